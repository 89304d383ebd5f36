import type { EventFeed, EventInterest } from '../bus/event-feed.js';
import type { ConsumerLag } from '../bus/consumer-lag.js';
import { kafkaSecurityOf } from '../bus/kafka-client.js';
import { kafkaFeed } from '../bus/kafka-feed.js';
import type { GapStore } from '../bus/kafka-gaps.js';
import { deleteConsumerGroup } from '../bus/kafka-groups.js';
import type { EngineConfig } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { FeedMembership } from './feed-membership.js';

// Picks where a consumer (a projection runner, the fulfilment saga) reads events from. With BUS=inprocess the
// services fall back to the event store's own subscription (storeFeed), so these return undefined.

type BusConfig = Pick<
  EngineConfig,
  'BUS' | 'KAFKA_BROKERS' | 'KAFKA_TOPIC' | 'KAFKA_PARTITIONS' | 'KAFKA_GROUP_PREFIX' | 'KAFKA_SESSION_TIMEOUT_MS'
> &
  // Optional, so that a config made by hand (tests) may leave them out: PLAINTEXT then.
  Partial<Pick<EngineConfig, 'KAFKA_SASL_MECHANISM' | 'KAFKA_USERNAME' | 'KAFKA_PASSWORD' | 'KAFKA_SSL'>>;

/**
 * With BUS=kafka, a Kafka feed in consumer group `<KAFKA_GROUP_PREFIX>.<name>`: one group per consumer, which decodes
 * only the events the consumer `wants`, reads from `eventStore` what a partition lost before the consumer got it, and
 * reports whether it is a member of its group to `membership`, by `name`, and its partitions' lag to `lag`.
 */
export function feedFor(
  config: BusConfig,
  name: string,
  logger: Logger,
  eventStore: GapStore,
  wants?: EventInterest,
  membership?: FeedMembership,
  lag?: ConsumerLag,
): EventFeed | undefined {
  if (config.BUS !== 'kafka') return undefined;
  // loadEngineConfig already refused BUS=kafka without KAFKA_BROKERS.
  const sessionTimeoutMs = config.KAFKA_SESSION_TIMEOUT_MS;
  return kafkaFeed({
    brokers: config.KAFKA_BROKERS as string[],
    security: kafkaSecurityOf(config),
    topic: config.KAFKA_TOPIC,
    groupId: groupIdOf(config, name),
    logger,
    eventStore,
    wants,
    // A member that vanished (a crash, a SIGKILL) keeps its partitions this long; heartbeats go at least thrice in it.
    sessionTimeoutMs,
    heartbeatIntervalMs: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
    onMembership: membership?.reporter(name),
    lag: lag?.reporter(groupIdOf(config, name)),
  });
}

/**
 * With BUS=kafka, what removes the consumer group of feedFor(config, name) once that consumer is gone for good (a
 * retired projection version); undefined otherwise.
 */
export function feedRemover(config: BusConfig, logger: Logger): ((name: string) => Promise<void>) | undefined {
  if (config.BUS !== 'kafka') return undefined;
  const security = kafkaSecurityOf(config);
  return (name) => deleteConsumerGroup(config.KAFKA_BROKERS as string[], groupIdOf(config, name), logger, security);
}

const groupIdOf = (config: BusConfig, name: string) => `${config.KAFKA_GROUP_PREFIX}.${name}`;

/** The topic's partition count when consumers read Kafka (their checkpoints are per partition); else undefined. */
export const feedPartitions = (config: BusConfig): number | undefined =>
  config.BUS === 'kafka' ? config.KAFKA_PARTITIONS : undefined;
