import { createCommandService, sameHostQueryUrl } from '@order-engine/command-service';
import { createProjectionService, rebuildSettings, sameHostApis } from '@order-engine/projection-service';
import { createQueryService } from '@order-engine/query-service';
import {
  type AccessOptions,
  cacheReady,
  fanOutFeed,
  listen,
  openCache,
  openDatabases,
  postgresEventStore,
  type Databases,
  type EngineConfig,
  type EventStore,
  type Logger,
} from '@order-engine/shared';
import type { Express } from 'express';
import { seedDemo } from './demo-seed.js';

// The embedded engine: all three services in one process on one set of adapters (by default PGlite, the event
// store's own catch-up subscription as fan-out, and an in-memory cache).

export interface Engine {
  /** The three APIs' apps, for what asks about their routes (the policy test). */
  apps: { command: Express; query: Express; projection: Express };
  commandUrl: string;
  queryUrl: string;
  projectionUrl: string;
  eventStore: EventStore;
  databases: Databases;
  /** Lets requests in flight finish for graceMs at most (default 0: cuts them), then stops everything. */
  stop(graceMs?: number): Promise<void>;
}

export interface EngineOptions {
  /** Who may call the three APIs (main.ts: from the configuration, with keys made on first start). */
  access: AccessOptions;
  /** An operator's API key, for seeding the demo data over the API; without one (and with checks on) none is seeded. */
  seedKey?: string;
  /**
   * The PGlite worker died under the engine: every database call fails from then on (GET /ready answers 503), and
   * nothing here brings it back. `npm start` exits non-zero on it, for a supervisor to restart the process.
   */
  onDatabaseLost?: (error: Error) => void;
}

export async function startEngine(config: EngineConfig, logger: Logger, options: EngineOptions): Promise<Engine> {
  const onWorkerLost = (error: Error) => {
    logger.error('the PGlite worker died: the engine cannot read or write anything any more', { error: error.message });
    options.onDatabaseLost?.(error);
  };
  const databases = await openDatabases(config, { pglite: { onWorkerLost } });
  const pglite = config.EVENT_STORE === 'pglite';
  // PGlite belongs to this process: subscribers need no NOTIFY. (It runs one statement at a time, which its Sql's
  // parallelism tells the store: appends that arrive while one is running all go in the next call.)
  const eventStore = postgresEventStore(databases.eventDb, {
    schema: config.EVENT_STORE_SCHEMA,
    singleProcess: pglite,
  });
  const cache = await openCache(config, logger, { projectionsInProcess: true });
  const prefix = config.READ_MODEL_PREFIX;
  // One subscription on the store for the saga and every projection runner, rather than one each. Its linger lets the
  // appends of a few milliseconds share one read and one transaction per projection: on PGlite, whose one connection
  // serves the HTTP requests too, per-append reads and transactions are what would limit the command rate.
  const fanOut = fanOutFeed(eventStore, { lingerMs: 10 });

  // The console (on the projection API) calls the other two APIs from its origin: a port known once it listens.
  const ports = { command: config.COMMAND_PORT, query: config.QUERY_PORT, projection: config.PROJECTION_PORT };
  const consoleMayCall = { ...options.access, consolePort: () => ports.projection };
  const commands = createCommandService({
    access: consoleMayCall,
    eventStore,
    sql: databases.eventDb,
    prefix,
    logger: logger.child({ service: 'command-service' }),
    retries: config.COMMAND_RETRIES,
    admission: {
      concurrency: config.COMMAND_CONCURRENCY,
      queueLimit: config.COMMAND_QUEUE_LIMIT,
      latencyTargetMs: config.COMMAND_LATENCY_TARGET_MS || undefined,
    },
    idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
    feed: fanOut.feed,
    // PGlite is this process's own database, and every append goes through this command service.
    soleWriter: pglite,
    readyTimeoutMs: config.READY_TIMEOUT_MS,
    // Location headers: the query API of this process (its port is known once it listens), unless QUERY_URL says.
    queryUrl: sameHostQueryUrl(() => ports.query, config.QUERY_URL),
  });
  const queries = createQueryService({
    access: consoleMayCall,
    readDb: databases.readDb,
    eventStore,
    cache,
    prefix,
    logger: logger.child({ service: 'query-service' }),
    readYourWritesTimeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS,
    // The projections below report to it once their cache writes are done; a memory cache is only theirs to write.
    cacheKeepsUpWithReports: config.CACHE === 'memory',
    ready: config.CACHE === 'redis' ? { redis: cacheReady(cache) } : {},
    readyTimeoutMs: config.READY_TIMEOUT_MS,
  });
  const projections = createProjectionService({
    access: options.access,
    eventStore,
    readDb: databases.readDb,
    cache,
    prefix,
    logger: logger.child({ service: 'projection-service' }),
    rebuild: rebuildSettings(config),
    feedFor: () => fanOut.feed,
    // Reads with X-Min-Position learn of each commit at once, rather than from polling the checkpoint table.
    onAdvance: (advance) => queries.checkpointAdvanced(advance),
    ready: config.CACHE === 'redis' ? { redis: cacheReady(cache) } : {},
    readyTimeoutMs: config.READY_TIMEOUT_MS,
    console: { apiUrls: sameHostApis(() => ports) },
  });

  await commands.migrate();
  const firstStart = (await eventStore.headPosition()) === 0n;
  await projections.start();
  commands.saga.start();
  commands.housekeeping.start();

  const host = config.HOST;
  // All three at once: their ports are bound in one turn, so none answers while another is not listening yet.
  const servers = await Promise.all([
    listen(commands.app, { host, port: config.COMMAND_PORT }),
    listen(queries.app, { host, port: config.QUERY_PORT }),
    listen(projections.app, { host, port: config.PROJECTION_PORT }),
  ]);
  const [command, query, projection] = servers;
  Object.assign(ports, { command: command.port, query: query.port, projection: projection.port });

  if (config.SEED_DEMO && firstStart) {
    if (options.access.mode === 'none' || options.seedKey) await seedDemo(command.url, logger, options.seedKey);
    else logger.info('demo data not seeded: no operator API key is known to this process');
  }

  return {
    apps: { command: commands.app, query: queries.app, projection: projections.app },
    commandUrl: command.url,
    queryUrl: query.url,
    projectionUrl: projection.url,
    eventStore,
    databases,
    async stop(graceMs = 0) {
      await Promise.all(servers.map((server) => server.close(graceMs)));
      await commands.saga.stop();
      await commands.housekeeping.stop();
      await projections.stop();
      await fanOut.close();
      await queries.close();
      await eventStore.close();
      await cache.close();
      await databases.close();
    },
  };
}
