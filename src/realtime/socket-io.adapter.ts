import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { ServerOptions } from 'socket.io';
import type { AppConfig } from '../config/config.js';
import { TrimmedSessionAdapter } from './recovery-adapter.js';

export const MAX_SOCKET_PAYLOAD_BYTES = 64 * 1024;

/** Socket.IO on the HTTP port, configured from AppConfig and after Socket.IO's own tuning advice. */
export class ChatSocketAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>) {
    return super.createIOServer(port, {
      ...(options as ServerOptions),
      cors: { origin: this.config.corsOrigins, credentials: true },
      transports: ['polling', 'websocket'],
      // Compression costs more CPU than it saves on small chat frames.
      perMessageDeflate: false,
      httpCompression: false,
      maxHttpBufferSize: MAX_SOCKET_PAYLOAD_BYTES,
      // A speed-up for short drops only: missed packets are replayed on reconnect. The guarantee is
      // GET /api/sync; the window stays short because the adapter keeps every packet that long.
      ...(this.config.connectionRecoverySeconds > 0
        ? {
            adapter: TrimmedSessionAdapter as unknown as ServerOptions['adapter'],
            connectionStateRecovery: {
              maxDisconnectionDuration: this.config.connectionRecoverySeconds * 1000,
              skipMiddlewares: false,
            },
          }
        : {}),
    });
  }
}
