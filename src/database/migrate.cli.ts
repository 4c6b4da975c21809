import { createLogger } from '../common/logging/logger.js';
import { loadConfig } from '../config/config.js';
import { openDatabase, runMigrations } from './database.js';

// `npm run db:migrate`: the same migrations the service applies at boot, run on their own.
const config = loadConfig();
const logger = createLogger(config.logLevel);
const handle = await openDatabase({ ...config.database, dataDir: config.dataDir }, logger);
try {
  await runMigrations(handle, config.database.url, config.database.messagePartitions);
  logger.info({ database: handle.description }, 'migrations applied');
} finally {
  await handle.close();
}
