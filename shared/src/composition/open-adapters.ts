import { join } from 'node:path';
import type { Cache } from '../cache/cache.js';
import { memoryCache } from '../cache/memory-cache.js';
import { connectRedis, redisCache } from '../cache/redis-cache.js';
import type { EngineConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { redactedError } from '../logging/redact.js';
import { pgPool, pgSql, type PgTimeouts } from '../sql/pg-sql.js';
import { openPgliteWorker, type PgliteWorkerOptions, type PgliteWorkerSql } from '../sql/pglite-worker-sql.js';
import type { Sql } from '../sql/sql.js';
import type { EventStore } from '../event-store/event-store.js';
import { connectEsdb, esdbEventStore } from '../event-store/esdb/esdb-event-store.js';
import { postgresEventStore } from '../event-store/postgres/postgres-event-store.js';

// Picks the storage adapters a configuration names. Only composition roots (each service's main.ts and the
// embedded engine) call these.

export interface Databases {
  /** Holds the event store (unless it is EventStoreDB), the command service's idempotency keys and checkpoints. */
  eventDb: Sql;
  /** Holds the read models; the same database as eventDb when both are PGlite or both PostgreSQL. */
  readDb: Sql;
  /**
   * The same databases under PG_LONG_STATEMENT_TIMEOUT_MS, for statements that may run long (rebuild pages and
   * verify, history exports); on PGlite, which has no timeouts, the same Sql.
   */
  forLongStatements: Pick<Databases, 'eventDb' | 'readDb'>;
  /** The PGlite worker, when one is open. */
  pglite?: PgliteWorkerSql;
  close(): Promise<void>;
}

/**
 * PGlite is one process's database: everything embedded shares one instance in DATA_DIR/pglite. It runs in a worker
 * thread, because its WASM would otherwise take most of the thread that also serves HTTP and runs projections.
 */
export const pgliteDirectory = (config: Pick<EngineConfig, 'DATA_DIR'>): string | undefined =>
  config.DATA_DIR.startsWith('memory://') ? undefined : join(config.DATA_DIR, 'pglite');

/** The bounds of the pools a configuration names: `long` for statements that may run long. */
export function pgTimeouts(config: EngineConfig, kind: 'request' | 'long' = 'request'): PgTimeouts {
  if (kind === 'long') {
    const bound = config.PG_LONG_STATEMENT_TIMEOUT_MS;
    return { connectMs: config.PG_CONNECT_TIMEOUT_MS, statementMs: bound, queryMs: bound + 1_000 };
  }
  return {
    connectMs: config.PG_CONNECT_TIMEOUT_MS,
    statementMs: config.PG_STATEMENT_TIMEOUT_MS,
    queryMs: config.PG_QUERY_TIMEOUT_MS,
  };
}

/** `pglite.onWorkerLost` hears of a PGlite worker that died under the process (the embedded engine then stops). */
export async function openDatabases(
  config: EngineConfig,
  options: { pglite?: PgliteWorkerOptions } = {},
): Promise<Databases> {
  const commandDb = config.EVENT_STORE === 'pglite' ? 'pglite' : 'postgres';
  const uses = (kind: 'pglite' | 'postgres') => commandDb === kind || config.READ_DB === kind;
  const pglite = uses('pglite') ? await openPgliteWorker(pgliteDirectory(config), options.pglite) : undefined;
  // loadEngineConfig already refused postgres or esdb without DATABASE_URL.
  const url = config.DATABASE_URL as string;
  const postgres = uses('postgres') ? pgSql(pgPool(url, pgTimeouts(config))) : undefined;
  // A few connections: rebuilds and exports are rare, and each holds one at a time.
  const postgresLong = uses('postgres') ? pgSql(pgPool(url, pgTimeouts(config, 'long'), 4)) : undefined;
  const pick = (kind: 'pglite' | 'postgres', long = false) =>
    (kind === 'pglite' ? pglite : long ? postgresLong : postgres) as Sql;
  return {
    eventDb: pick(commandDb),
    readDb: pick(config.READ_DB),
    forLongStatements: { eventDb: pick(commandDb, true), readDb: pick(config.READ_DB, true) },
    pglite,
    async close() {
      await Promise.all([pglite?.close(), postgres?.close(), postgresLong?.close()]);
    },
  };
}

/**
 * The event store the configuration names: PostgreSQL tables in eventDb (PGlite or a server), or EventStoreDB.
 * readOnly (readers: the query service, the CLI) never migrates the PostgreSQL schema, so a SELECT-only role will do.
 */
export function openEventStore(
  config: EngineConfig,
  databases: Pick<Databases, 'eventDb'>,
  options: { readOnly?: boolean } = {},
): EventStore {
  if (config.EVENT_STORE === 'esdb') return esdbEventStore(connectEsdb(config.ESDB_URL as string));
  return postgresEventStore(databases.eventDb, { schema: config.EVENT_STORE_SCHEMA, readOnly: options.readOnly });
}

/**
 * The configuration the query service opens its databases with: PostgreSQL as QUERY_DATABASE_URL (a role that may
 * only SELECT), else as DATABASE_URL.
 */
export const queryDatabaseConfig = (config: EngineConfig): EngineConfig => ({
  ...config,
  DATABASE_URL: config.QUERY_DATABASE_URL ?? config.DATABASE_URL,
});

/** What the shared cache's keys start with in Redis. */
export const redisCacheKeyPrefix = (config: Pick<EngineConfig, 'CACHE_KEY_PREFIX'>): string =>
  `${config.CACHE_KEY_PREFIX}cache:`;

/**
 * The cache a process reads and writes. An in-memory cache is only refreshed by projections running in the same
 * process: a query service beside a projection service in another process would serve old views from it, so it
 * reads the database directly unless a shared cache (Redis) is configured.
 */
export async function openCache(
  config: EngineConfig,
  logger: Logger,
  options: { projectionsInProcess: boolean },
): Promise<Cache> {
  if (config.CACHE === 'redis') {
    const redis = await connectRedis(config.REDIS_URL as string, {
      logger: logger.child({ component: 'redis-cache' }),
    });
    return redisCache(redis, { keyPrefix: redisCacheKeyPrefix(config), ttlSeconds: config.CACHE_TTL_SECONDS });
  }
  if (!options.projectionsInProcess) {
    logger.info('in-process cache disabled: projections run in another process (set CACHE=redis to share one)');
    return noCache;
  }
  return memoryCache({ maxEntries: config.CACHE_MAX_ENTRIES });
}

/** A cache that never holds anything: every read goes to the database. */
export const noCache: Cache = {
  get: async () => undefined,
  getJson: async () => undefined,
  set: async () => false,
  delete: async () => {},
  deleteWithPrefix: async () => 0,
  close: async () => {},
};

/**
 * Runs stop once on SIGINT or SIGTERM, then exits 0. Requests in flight get graceMs (see RunningServer.close); should
 * the whole stop (consumers leaving their groups, the relay's lease) still not be done 15 s after that, something
 * hangs, and the process exits 1 rather than wait to be killed. The same signal again ends it at once.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, { graceMs = 0 } = {}): void {
  const hardStopAfterMs = graceMs + 15_000;
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    setTimeout(() => {
      logger.error('stop did not finish in time: exiting anyway', { afterMs: hardStopAfterMs });
      process.exit(1);
    }, hardStopAfterMs).unref();
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error('stop failed', { error: String(error) });
        process.exit(1);
      });
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
}

/** Prints a configuration error plainly (it names the variable) and exits; anything else with its stack. */
export function exitOnStartupError(error: unknown): never {
  // Redacted: an error from a driver may quote a connection string with its password.
  process.stderr.write(
    redactedError(error, { stack: !(error instanceof Error && error.name === 'ConfigError') }) + '\n',
  );
  process.exit(1);
}
