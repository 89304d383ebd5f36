import {
  accessFromConfig,
  cacheReady,
  createLogger,
  exitOnStartupError,
  feedPartitions,
  listen,
  loadEngineConfig,
  loadTracingConfig,
  openCache,
  openDatabases,
  openEventStore,
  queryDatabaseConfig,
  stopOnSignals,
} from '@order-engine/shared';
import { startTracing } from '@order-engine/shared/tracing-sdk';
import { createQueryService, QUERY_SERVICE } from './app.js';

// The query service on its own: the composition root, and the only place that reads the environment.
// It only reads: its read models are created and filled by projection-service, the event store by command-service
// (migrations run there at start-up, or with `npm run cli -- migrate`), so it may run as a role that can only SELECT
// (QUERY_DATABASE_URL).
async function main(): Promise<void> {
  const config = loadEngineConfig(process.env);
  // Off unless OTEL_* names an exporter (docs/tracing.md); before anything makes a span.
  const tracing = startTracing(loadTracingConfig(process.env), QUERY_SERVICE);
  const logger = createLogger(config.LOG_LEVEL, { service: QUERY_SERVICE });
  // Before anything opens: a service that may not start (AUTH=none off loopback) touches nothing.
  const access = await accessFromConfig(config);
  const databases = await openDatabases(queryDatabaseConfig(config));
  const cache = await openCache(config, logger, { projectionsInProcess: false });
  // The event store serves only the history routes here, whose exports may run long statements. Read-only: it never
  // migrates its schema.
  const eventStore = openEventStore(config, databases.forLongStatements, { readOnly: true });
  const service = createQueryService({
    access,
    readDb: databases.readDb,
    eventStore,
    cache,
    prefix: config.READ_MODEL_PREFIX,
    logger,
    readYourWritesTimeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS,
    feedPartitions: feedPartitions(config),
    ready: config.CACHE === 'redis' ? { redis: cacheReady(cache) } : {},
    readyTimeoutMs: config.READY_TIMEOUT_MS,
  });
  const server = await listen(service.app, { host: config.HOST, port: config.QUERY_PORT });
  logger.info(`query service listening on ${server.url}`, {
    url: server.url,
    readDb: config.READ_DB,
    cache: config.CACHE,
  });

  // Queries and exports in flight finish first (for SHUTDOWN_GRACE_MS at most).
  const stop = async () => {
    await server.close(config.SHUTDOWN_GRACE_MS);
    await service.close();
    await eventStore.close();
    await cache.close();
    await databases.close();
    await tracing.shutdown();
  };
  stopOnSignals(logger, stop, { graceMs: config.SHUTDOWN_GRACE_MS });
}

main().catch(exitOnStartupError);
