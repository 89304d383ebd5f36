import {
  ConfigError,
  createLogger,
  exitOnStartupError,
  loadEngineConfig,
  loadTracingConfig,
  openDatabases,
  openEventStore,
  stopOnSignals,
} from '@order-engine/shared';
import { startTracing } from '@order-engine/shared/tracing-sdk';
import { relayFromConfig, type RelayConfig } from './from-config.js';

// The relay on its own (`tsx command-service/src/relay/main.ts`): the composition root, the only place that reads
// the environment. Run two or more for fast takeover: one relays, the others wait on the lease (command-service with
// RELAY_IN_PROCESS=true competes for the same lease).

/** The relay IS the Kafka bus, so it always needs Kafka's settings, and an event store other processes append to. */
function loadRelayConfig(env: Record<string, string | undefined>): RelayConfig {
  const problems: string[] = [];
  if ((env.EVENT_STORE || 'pglite') === 'pglite') {
    problems.push(
      `EVENT_STORE: the relay needs a shared event store, postgres or esdb (got ` +
        `${env.EVENT_STORE ? '"pglite"' : 'the default, pglite'}): PGlite is one process's database, ` +
        'and the embedded mode fans events out in-process without a relay',
    );
  }
  try {
    const config = loadEngineConfig({ ...env, BUS: 'kafka' });
    if (problems.length > 0) throw new ConfigError(problems);
    // With EVENT_STORE postgres or esdb, loadEngineConfig has required DATABASE_URL (the lease lives in PostgreSQL).
    return config as RelayConfig;
  } catch (error) {
    if (!(error instanceof ConfigError) || error.problems === problems) throw error;
    throw new ConfigError([
      ...problems,
      ...error.problems.map((problem) =>
        problem.replace('required when BUS is kafka', 'required: the relay publishes to Kafka'),
      ),
    ]);
  }
}

async function main(): Promise<void> {
  const config = loadRelayConfig(process.env);
  // Off unless OTEL_* names an exporter (docs/tracing.md); before anything makes a span.
  const tracing = startTracing(loadTracingConfig(process.env), 'relay');
  const logger = createLogger(config.LOG_LEVEL, { service: 'relay' });
  if (process.env.BUS && process.env.BUS !== 'kafka')
    logger.warn('BUS is ignored: the relay always feeds Kafka', { BUS: process.env.BUS });
  // The relay reads no read models: pointing READ_DB at the same server keeps openDatabases from opening a PGlite.
  const databases = await openDatabases({ ...config, READ_DB: 'postgres' });
  const eventStore = openEventStore(config, databases);
  const { relay, close } = relayFromConfig(config, eventStore, logger);
  relay.start();
  logger.info('relay started', {
    eventStore: config.EVENT_STORE,
    topic: config.KAFKA_TOPIC,
    brokers: config.KAFKA_BROKERS,
  });

  stopOnSignals(logger, async () => {
    await close();
    await eventStore.close();
    await databases.close();
    await tracing.shutdown();
  });
}

main().catch(exitOnStartupError);
