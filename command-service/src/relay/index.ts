export { createRelay, type Relay, type RelayOptions, type RelayState, type RelayStatus } from './relay.js';
export {
  kafkaProducer,
  kafkaLogCreator,
  KafkaUnavailable,
  type EventProducer,
  type KafkaProducerOptions,
} from './kafka-producer.js';
export { postgresLease, relaySchema, type HeldLease, type Lease, type PostgresLeaseOptions } from './lease.js';
