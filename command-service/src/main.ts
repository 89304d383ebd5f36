import {
  accessFromConfig,
  createLogger,
  exitOnStartupError,
  feedFor,
  consumerLag,
  feedMembership,
  feedPartitions,
  listen,
  loadEngineConfig,
  loadTracingConfig,
  migrateEventStore,
  openDatabases,
  openEventStore,
  registerConsumerLagMetrics,
  serviceMetrics,
  stopOnSignals,
} from '@order-engine/shared';
import { startTracing } from '@order-engine/shared/tracing-sdk';
import { createCommandService } from './app.js';
import { sameHostQueryUrl } from './http/read-location.js';
import { killedAfterAppendOf } from './idempotency/kill-after-append.js';
import { relayFromConfig, relayHealth, relayLeaseReady, type RelayConfig } from './relay/from-config.js';
import { isFulfilmentEventType } from './saga/fulfilment.js';

// Standalone composition root of command-service: the only place that reads process.env and picks adapters.
// The saga follows the event store's catch-up subscription, or with BUS=kafka its own consumer group. With
// RELAY_IN_PROCESS=true it also runs the relay, which the store then wakes as soon as an append of this process
// commits (a relay process waits for PostgreSQL's NOTIFY), with one process fewer to schedule.
async function main(): Promise<void> {
  const config = loadEngineConfig(process.env);
  // Off unless OTEL_* names an exporter (docs/tracing.md); before anything makes a span.
  const tracing = startTracing(loadTracingConfig(process.env), 'command-service');
  const logger = createLogger(config.LOG_LEVEL, { service: 'command-service' });
  // Before anything opens: a service that may not start (AUTH=none off loopback) touches nothing.
  const access = await accessFromConfig(config);
  const databases = await openDatabases(config);
  const eventStore = killedAfterAppendOf(config.FAULT_KILL_AFTER_APPEND_KEY, openEventStore(config, databases));
  // The config checks made sure a relay in process has Kafka's brokers and PostgreSQL for its lease.
  const relay = config.RELAY_IN_PROCESS ? relayFromConfig(config as RelayConfig, eventStore, logger) : undefined;
  // GET /ready also asks whether the saga is a member of its consumer group, and the relay holds or awaits its lease.
  const membership = feedMembership();
  // BUS=kafka: each consumer's lag per partition, in GET /metrics.
  const lag = consumerLag();
  const metrics = serviceMetrics('command-service');
  registerConsumerLagMetrics(metrics.registry, lag);
  const service = createCommandService({
    access,
    metrics,
    eventStore,
    sql: databases.eventDb,
    prefix: config.READ_MODEL_PREFIX,
    logger,
    retries: config.COMMAND_RETRIES,
    admission: {
      concurrency: config.COMMAND_CONCURRENCY,
      queueLimit: config.COMMAND_QUEUE_LIMIT,
      latencyTargetMs: config.COMMAND_LATENCY_TARGET_MS || undefined,
    },
    idempotencyKeyTtlMs: config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000,
    feed: feedFor(
      config,
      'saga',
      logger,
      eventStore,
      (_streamId, type) => isFulfilmentEventType(type),
      membership,
      lag,
    ),
    feedPartitions: feedPartitions(config),
    health: relay && (() => ({ relay: relayHealth(relay.relay.status()) })),
    processors: relay && (() => [{ kind: 'relay', status: () => relay.relay.status() }]),
    ready: {
      ...(config.BUS === 'kafka' && { kafka: membership.check(() => ['saga']) }),
      ...(relay && { relayLease: relayLeaseReady(relay.relay) }),
    },
    readyTimeoutMs: config.READY_TIMEOUT_MS,
    queryUrl: sameHostQueryUrl(() => config.QUERY_PORT, config.QUERY_URL),
  });

  // The writer creates the schemas: the event store's here (not on its first append), so that readers that may only
  // SELECT (the query service) find it from the start.
  if (config.EVENT_STORE !== 'esdb') await migrateEventStore(databases.eventDb, config.EVENT_STORE_SCHEMA);
  await service.migrate();
  relay?.relay.start();
  service.saga.start();
  service.housekeeping.start();
  const server = await listen(service.app, { host: config.HOST, port: config.COMMAND_PORT });
  logger.info(`command service listening on ${server.url}`, {
    url: server.url,
    eventStore: config.EVENT_STORE,
    bus: config.BUS,
    relayInProcess: config.RELAY_IN_PROCESS,
  });

  // Requests in flight finish first; then the saga commits its offsets as it leaves, and the relay frees its lease.
  const stop = async () => {
    await server.close(config.SHUTDOWN_GRACE_MS);
    await service.saga.stop();
    await relay?.close();
    await service.housekeeping.stop();
    await eventStore.close();
    await databases.close();
    await tracing.shutdown();
  };
  stopOnSignals(logger, stop, { graceMs: config.SHUTDOWN_GRACE_MS });
}

main().catch(exitOnStartupError);
