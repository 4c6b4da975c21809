import { Global, Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AuthModule } from '../auth/auth.module.js';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { MediaController } from './media.controller.js';
import { MediaRepository } from './media.repository.js';
import { MediaService } from './media.service.js';
import { MediaLinks } from './media-links.js';
import { MEDIA_STORAGE, type MediaStorage, openMediaStorage } from './media-storage.js';

/**
 * Uploads, storage and serving of voice notes and videos. Global so that the chat's send path can check
 * a message's media (ChatService) without the chat module importing this one.
 */
@Global()
@Module({
  imports: [AuthModule],
  controllers: [MediaController],
  providers: [
    MediaService,
    MediaRepository,
    MediaLinks,
    { provide: MEDIA_STORAGE, useFactory: openMediaStorage, inject: [APP_CONFIG] },
  ],
  exports: [MediaService],
})
export class MediaModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  // Nest's Fastify adapter owns the @fastify/multipart registration; before ready(), it loads with the others.
  onModuleInit(): void {
    (this.adapterHost.httpAdapter as unknown as FastifyAdapter).useMultipart();
    const { s3, maxBytes } = this.config.media;
    this.logger.info(
      {
        media: s3
          ? `S3 bucket ${s3.bucket}${s3.endpoint ? ` at ${s3.endpoint}` : ''}`
          : `disk under ${this.config.dataDir}/media`,
        maxBytes,
      },
      'media storage ready',
    );
  }

  onApplicationShutdown(): void {
    this.storage.close();
  }
}
