import { join } from 'node:path';
import {
  ConfigError,
  createLogger,
  listen,
  loadEngineConfig,
  memoryCache,
  openPglite,
  pgSql,
  postgresEventStore,
  type Sql,
} from '@order-engine/shared';
import { createProjectionService } from './service.js';

// Standalone composition root of projection-service: the only place that reads process.env and picks adapters.

async function main() {
  const config = loadEngineConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL, { service: 'projection-service' });

  // PGlite serves one process per directory: the standalone service opens the command service's event store and
  // the query service's read models, so it can project a directory those services filled while they are stopped.
  const pgliteAt = (dir: string) => openPglite(config.DATA_DIR.startsWith('memory://') ? undefined : join(config.DATA_DIR, dir));
  const postgres: Sql | undefined = config.DATABASE_URL && (config.EVENT_STORE === 'postgres' || config.READ_DB === 'postgres') ? pgSql(config.DATABASE_URL) : undefined;
  const open = async (kind: 'pglite' | 'postgres', pgliteDir: string): Promise<Sql> => {
    if (kind === 'pglite') return pgliteAt(pgliteDir);
    if (!postgres) throw new ConfigError(['DATABASE_URL: required when EVENT_STORE or READ_DB is postgres']);
    return postgres;
  };
  const storeDb = await open(config.EVENT_STORE, 'command-service');
  // In memory, one PGlite holds both, as in the embedded engine; on disk they are the other services' directories.
  const readDb = config.READ_DB === config.EVENT_STORE && (config.READ_DB === 'postgres' || config.DATA_DIR.startsWith('memory://')) ? storeDb : await open(config.READ_DB, 'read-models');

  const eventStore = postgresEventStore(storeDb, { schema: config.EVENT_STORE_SCHEMA });
  const cache = memoryCache({ maxEntries: config.CACHE_MAX_ENTRIES });
  const service = createProjectionService({ eventStore, readDb, cache, prefix: config.READ_MODEL_PREFIX, logger });

  await service.start();
  const server = await listen(service.app, { host: config.HOST, port: config.PROJECTION_PORT });
  logger.info('projection-service listening', { url: server.url, eventStore: config.EVENT_STORE, readDb: config.READ_DB });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await server.close();
    await service.stop();
    await eventStore.close();
    await cache.close();
    await storeDb.close();
    if (readDb !== storeDb) await readDb.close();
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
