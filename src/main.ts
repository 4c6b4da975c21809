import { createApp } from './app.factory.js';
import { createLogger } from './common/logging/logger.js';
import { ConfigError, loadConfig } from './config/config.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const app = await createApp(config, logger);
  app.enableShutdownHooks();
  await app.listen({ port: config.port, host: config.host });
  logger.info({ url: `http://localhost:${config.port}` }, 'live-chat listening');
}

main().catch((error: unknown) => {
  console.error('Failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
