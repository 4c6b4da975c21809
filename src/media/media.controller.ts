import { Readable } from 'node:stream';
import type {} from '@fastify/multipart';
import { Controller, Get, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AuthGuard } from '../auth/auth.guard.js';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { IpRateLimitGuard } from '../auth/ip-rate-limit.guard.js';
import { TokenService } from '../auth/token.service.js';
import { AppError } from '../common/errors/app-error.js';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { mediaIdSchema, mediaLinkQuerySchema } from '../contract/media-inputs.js';
import { mediaViewSchema, signedLinkSchema } from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
import { MediaService } from './media.service.js';
import type { MediaCaller } from './media.types.js';
import { cutShort, discardRest } from './upload-stream.js';

@Controller('media')
export class MediaController {
  constructor(
    private readonly media: MediaService,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `multipart/form-data` with the file in the field `file`: 201 `{ id, url, mediaType, contentType, size }`. */
  @ApiDoc({
    summary: 'Upload an audio or video file; its `url` is what a message’s mediaUrl carries',
    response: mediaViewSchema,
    // Fastify parses a JSON body before the route can refuse it.
    errors: [
      'VALIDATION_FAILED',
      'MALFORMED_JSON',
      'PAYLOAD_TOO_LARGE',
      'MEDIA_QUOTA_EXCEEDED',
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    requestBody: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { file: { type: 'string', format: 'binary', description: 'an audio or video file' } },
          },
        },
      },
    },
  })
  @Post()
  @UseGuards(AuthGuard)
  @RateLimit('uploads')
  async upload(@CurrentUser() user: AuthUser, @Req() request: FastifyRequest) {
    try {
      const file = await this.filePart(request);
      return await this.media.upload(user.id, file);
    } catch (error) {
      // The answer (413, 415, 400) goes out now, while the client may still be sending the rest.
      discardRest(request.raw);
      throw error;
    }
  }

  /** The file, to its owner and the members of chats it was sent to (bearer), or to a signed link's holder. */
  @ApiDoc({
    summary: 'The file, with a bearer token or a signed link (`?exp=&sig=`); supports Range',
    response: 'file',
    statuses: [200, 206, 304],
    errors: ['UNAUTHORIZED', 'MEDIA_NOT_FOUND', 'RANGE_NOT_SATISFIABLE'],
  })
  @Get(':id')
  @UseGuards(IpRateLimitGuard)
  async read(
    @Param('id', new ZodPipe(mediaIdSchema)) id: string,
    @Query(new ZodPipe(mediaLinkQuerySchema)) query: z.output<typeof mediaLinkQuerySchema>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const answer = await this.media.open(id, await this.callerOf(request, query), {
      range: request.headers.range,
      ifNoneMatch: request.headers['if-none-match'],
      ifRange: headerValue(request.headers['if-range']),
    });
    reply.headers(answer.headers);
    if (answer.status === 416) throw new AppError('RANGE_NOT_SATISFIABLE');
    if (request.method === 'HEAD' && answer.body) {
      // An empty stream keeps the Content-Length of the file, which an empty body would reset to 0.
      answer.body.destroy();
      return reply.status(answer.status).send(Readable.from([]));
    }
    return reply.status(answer.status).send(answer.body);
  }

  /** `{ url, expiresAt }`: a URL of the file that works without a bearer token, for `<audio>` and `<video>`. */
  @ApiDoc({
    summary: 'A signed URL of the file for `<audio>` and `<video>`, which cannot send a bearer token',
    response: signedLinkSchema,
    errors: ['MEDIA_NOT_FOUND'],
  })
  @Get(':id/link')
  @UseGuards(AuthGuard)
  link(@CurrentUser() user: AuthUser, @Param('id', new ZodPipe(mediaIdSchema)) id: string) {
    return this.media.signedLink(id, user.id);
  }

  // A signed link stands in for the bearer token; the service checks it, as it checks what a user may see.
  private async callerOf(
    request: FastifyRequest,
    query: z.output<typeof mediaLinkQuerySchema>,
  ): Promise<MediaCaller> {
    if (query.exp !== undefined && query.sig !== undefined)
      return { link: { exp: query.exp, sig: query.sig } };
    return { userId: (await this.tokens.verifyBearer(request.headers.authorization)).userId };
  }

  // One file in the field `file`; text fields may come before it. busboy's own cap sits one byte above the
  // service's limit, so that the service sees the overflow and answers 413 itself.
  private async filePart(request: FastifyRequest) {
    if (!request.isMultipart()) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the file as multipart/form-data in the field "file"',
      );
    }
    // The body waited unread through the auth check; a client gone meanwhile never ends it, and the parser,
    // which learns of that only from events to come, would wait for it forever.
    if (request.raw.destroyed) throw cutShort();
    let part: Awaited<ReturnType<FastifyRequest['file']>>;
    try {
      part = await request.file({
        limits: {
          fileSize: this.config.media.maxBytes + 1,
          files: 1,
          fields: 20,
          parts: 40,
          fieldSize: 65_536,
        },
      });
    } catch {
      throw new AppError('VALIDATION_FAILED', 'The body is not valid multipart/form-data');
    }
    if (part?.fieldname !== 'file') {
      part?.file.resume();
      throw new AppError('VALIDATION_FAILED', 'file: is required', [
        { path: 'file', message: 'is required' },
      ]);
    }
    return part.file;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
