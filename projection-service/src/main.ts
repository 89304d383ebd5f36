import {
  accessFromConfig,
  cacheReady,
  createLogger,
  exitOnStartupError,
  feedFor,
  consumerLag,
  feedMembership,
  feedPartitions,
  feedRemover,
  listen,
  loadEngineConfig,
  loadTracingConfig,
  openCache,
  openDatabases,
  openEventStore,
  registerConsumerLagMetrics,
  serviceMetrics,
  stopOnSignals,
} from '@order-engine/shared';
import { startTracing } from '@order-engine/shared/tracing-sdk';
import { sameHostApis } from './console/console-routes.js';
import { createProjectionService, rebuildSettings } from './service.js';

// Standalone composition root of projection-service: the only place that reads process.env and picks adapters.
async function main(): Promise<void> {
  const config = loadEngineConfig(process.env);
  // Off unless OTEL_* names an exporter (docs/tracing.md); before anything makes a span.
  const tracing = startTracing(loadTracingConfig(process.env), 'projection-service');
  const logger = createLogger(config.LOG_LEVEL, { service: 'projection-service' });
  // Before anything opens: a service that may not start (AUTH=none off loopback) touches nothing.
  const access = await accessFromConfig(config);
  const databases = await openDatabases(config);
  const eventStore = openEventStore(config, databases);
  const cache = await openCache(config, logger, { projectionsInProcess: true });
  // BUS=kafka: a retired version's consumer group is deleted with its schema.
  const removeGroup = feedRemover(config, logger);
  // GET /ready asks whether each live projection's consumer is a member of its group.
  const membership = feedMembership();
  // BUS=kafka: each consumer's lag per partition, in GET /metrics.
  const lag = consumerLag();
  const metrics = serviceMetrics('projection-service');
  registerConsumerLagMetrics(metrics.registry, lag);
  const groupOf = (key: string) => `projection.${key}`;
  // Rebuild pages and verify may run longer than a request's statements (EventStoreDB has no such bound).
  const rebuildStore = config.EVENT_STORE === 'esdb' ? eventStore : openEventStore(config, databases.forLongStatements);
  const service = createProjectionService({
    access,
    metrics,
    eventStore,
    readDb: databases.readDb,
    cache,
    prefix: config.READ_MODEL_PREFIX,
    logger,
    // BUS=kafka: one consumer group per projection, so each projection's workers split the partitions.
    feedFor: (key, wants) => feedFor(config, groupOf(key), logger, eventStore, wants, membership, lag),
    feedPartitions: feedPartitions(config),
    removeFeed: removeGroup && ((key) => removeGroup(groupOf(key))),
    rebuild: rebuildSettings(config),
    rebuildWith: { eventStore: rebuildStore, readDb: databases.forLongStatements.readDb },
    console: {
      apiUrls: sameHostApis(() => ({ command: config.COMMAND_PORT, query: config.QUERY_PORT }), {
        commandUrl: config.CONSOLE_COMMAND_URL,
        queryUrl: config.CONSOLE_QUERY_URL,
      }),
    },
    ready: {
      ...(config.CACHE === 'redis' && { redis: cacheReady(cache) }),
      ...(config.BUS === 'kafka' && {
        kafka: membership.check(() => service.runners.map((runner) => groupOf(runner.key))),
      }),
    },
    readyTimeoutMs: config.READY_TIMEOUT_MS,
  });

  await service.start();
  const server = await listen(service.app, { host: config.HOST, port: config.PROJECTION_PORT });
  logger.info(`projection service listening on ${server.url}`, {
    url: server.url,
    eventStore: config.EVENT_STORE,
    readDb: config.READ_DB,
    bus: config.BUS,
  });

  const stop = async () => {
    await server.close(config.SHUTDOWN_GRACE_MS);
    await service.stop();
    if (rebuildStore !== eventStore) await rebuildStore.close();
    await eventStore.close();
    await cache.close();
    await databases.close();
    await tracing.shutdown();
  };
  stopOnSignals(logger, stop, { graceMs: config.SHUTDOWN_GRACE_MS });
}

main().catch(exitOnStartupError);
