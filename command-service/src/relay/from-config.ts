import {
  kafkaSecurityOf,
  type EngineConfig,
  type EventStore,
  type Logger,
  type ReadinessCheck,
} from '@order-engine/shared';
import { kafkaProducer } from './kafka-producer.js';
import { postgresLease } from './lease.js';
import { createRelay, type Relay, type RelayStatus } from './relay.js';

// The relay a configuration describes, for both places that run one: its own process (relay/main.ts) and
// command-service with RELAY_IN_PROCESS=true. Either way it competes for the same lease, so any number of them may
// run and one relays.

/** What the relay needs on top of any engine configuration; the config checks hold it for both uses. */
export type RelayConfig = EngineConfig & { KAFKA_BROKERS: string[]; DATABASE_URL: string };

export interface ConfiguredRelay {
  relay: Relay;
  /** Stops relaying (releasing the lease) and closes the Kafka producer; the event store belongs to the caller. */
  close(): Promise<void>;
}

export function relayFromConfig(config: RelayConfig, eventStore: EventStore, logger: Logger): ConfiguredRelay {
  const producer = kafkaProducer({
    brokers: config.KAFKA_BROKERS,
    security: kafkaSecurityOf(config),
    topic: config.KAFKA_TOPIC,
    partitions: config.KAFKA_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    logger,
  });
  const lease = postgresLease({ connectionString: config.DATABASE_URL, prefix: config.READ_MODEL_PREFIX, logger });
  // One checkpoint per target topic: relaying to a new topic starts from the beginning of `$all`.
  const relay = createRelay({
    eventStore,
    producer,
    lease,
    logger,
    name: `relay-${config.KAFKA_TOPIC}`,
    topic: config.KAFKA_TOPIC,
  });
  return {
    relay,
    async close() {
      await relay.stop();
      await producer.close();
    },
  };
}

/** The relay's status as JSON (positions as decimal strings), for a health answer. */
export const relayHealth = ({ position, checkpoint, heldBack, ...status }: RelayStatus): Record<string, unknown> => ({
  ...status,
  position: position.toString(),
  checkpoint: checkpoint?.toString(),
  ...(heldBack ? { heldBack: { ...heldBack, position: heldBack.position.toString() } } : {}),
});

/**
 * For GET /ready: the relay holds the lease or stands by for it; anything else (retrying, fenced) fails, saying why.
 */
export const relayLeaseReady =
  (relay: Relay): ReadinessCheck =>
  () => {
    const { state, lastError } = relay.status();
    if (state !== 'active' && state !== 'standby')
      throw new Error(`relay ${state}${lastError ? `: ${lastError}` : ''}`);
  };
