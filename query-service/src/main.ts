import {
  adminTables,
  catalogTables,
  createLogger,
  listen,
  loadEngineConfig,
  memoryCache,
  openPglite,
  ordersTables,
  pgSql,
  readModelSchemas,
  salesTables,
  type Cache,
  type EngineConfig,
  type Logger,
  type Sql,
} from '@order-engine/shared';
import { createQueryService, QUERY_SERVICE } from './app.js';

// The query service on its own: the composition root, and the only place that reads the environment.

async function openReadDb(config: EngineConfig): Promise<Sql> {
  if (config.READ_DB === 'postgres') return pgSql(config.DATABASE_URL as string);
  // PGlite lives in one process, so a standalone query service can only serve a directory that no projection is
  // writing right now: the one a standalone projection service filled before (it uses DATA_DIR itself). The tables
  // are created if missing, so a fresh directory answers empty lists rather than errors.
  const db = await openPglite(config.DATA_DIR.startsWith('memory://') ? undefined : config.DATA_DIR);
  const schemas = readModelSchemas(config.READ_MODEL_PREFIX);
  await db.exec(catalogTables(schemas.catalog) + ordersTables(schemas.orders) + salesTables(schemas.sales) + adminTables(schemas.admin));
  return db;
}

// Nothing is ever cached: reads go to PostgreSQL.
const noCache: Cache = {
  get: async () => undefined,
  set: async () => false,
  delete: async () => {},
  close: async () => {},
};

function openCache(config: EngineConfig, logger: Logger): Cache {
  // An in-process cache is refreshed by the projection only when the projection runs in the same process. Next to
  // a projection service writing a shared PostgreSQL, it would keep serving old views, so this process reads
  // PostgreSQL directly until a shared cache (Redis) is configured.
  if (config.READ_DB === 'postgres') {
    logger.info('in-process cache disabled: the projection service cannot refresh it from another process');
    return noCache;
  }
  return memoryCache({ maxEntries: config.CACHE_MAX_ENTRIES });
}

async function main(): Promise<void> {
  const config = loadEngineConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL, { service: QUERY_SERVICE });
  const readDb = await openReadDb(config);
  const cache = openCache(config, logger);
  const service = createQueryService({ readDb, cache, prefix: config.READ_MODEL_PREFIX, logger, readYourWritesTimeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS });
  const server = await listen(service.app, { host: config.HOST, port: config.QUERY_PORT });
  logger.info(`query service listening on ${server.url}`, { url: server.url, readDb: config.READ_DB, cache: config.CACHE });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    await server.close();
    await service.close();
    await cache.close();
    await readDb.close();
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
