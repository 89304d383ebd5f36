import {
  createLogger,
  exitOnStartupError,
  feedFor,
  feedPartitions,
  feedRemover,
  listen,
  loadEngineConfig,
  openCache,
  openDatabases,
  openEventStore,
  stopOnSignals,
} from '@order-engine/shared';
import { createProjectionService, rebuildSettings } from './service.js';

// Standalone composition root of projection-service: the only place that reads process.env and picks adapters.
async function main(): Promise<void> {
  const config = loadEngineConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL, { service: 'projection-service' });
  const databases = await openDatabases(config);
  const eventStore = openEventStore(config, databases);
  const cache = await openCache(config, logger, { projectionsInProcess: true });
  // BUS=kafka: a retired version's consumer group is deleted with its schema.
  const removeGroup = feedRemover(config, logger);
  const service = createProjectionService({
    eventStore,
    readDb: databases.readDb,
    cache,
    prefix: config.READ_MODEL_PREFIX,
    logger,
    // BUS=kafka: one consumer group per projection, so each projection's workers split the partitions.
    feedFor: (key, wants) => feedFor(config, `projection.${key}`, logger, wants),
    feedPartitions: feedPartitions(config),
    removeFeed: removeGroup && ((key) => removeGroup(`projection.${key}`)),
    rebuild: rebuildSettings(config),
  });

  await service.start();
  const server = await listen(service.app, { host: config.HOST, port: config.PROJECTION_PORT });
  logger.info(`projection service listening on ${server.url}`, { url: server.url, eventStore: config.EVENT_STORE, readDb: config.READ_DB, bus: config.BUS });

  const stop = async () => {
    await server.close(config.SHUTDOWN_GRACE_MS);
    await service.stop();
    await eventStore.close();
    await cache.close();
    await databases.close();
  };
  stopOnSignals(logger, stop, { graceMs: config.SHUTDOWN_GRACE_MS });
}

main().catch(exitOnStartupError);
