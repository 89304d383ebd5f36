import { logLevel, type EachBatchPayload, type KafkaMessage, type RetryOptions } from 'kafkajs';
import type { GlobalPosition } from '../event-store/event-store.js';
import type { Logger } from '../logging/logger.js';
import type { EventFeed, EventInterest, FeedBatch } from './event-feed.js';
import { handoff, type Delivery } from './handoff.js';
import { kafkaClient, type KafkaSecurity } from './kafka-client.js';
import { feedBatchOf, slices } from './kafka-batch.js';
import { gapFiller, lazyAdmin, type GapFiller, type GapStore } from './kafka-gaps.js';
import { kafkaLogCreator } from './kafka-log.js';
import { received } from '../tracing/kafka-receive.js';
import './kafkajs-idle-timer.js'; // before any client connects: see there

// The distributed EventFeed: a kafkajs consumer group member per subscription. Offsets live in Kafka, so the
// consumer's own checkpoint (`after`) is ignored; a group's first member reads the topic from the beginning. Where a
// partition's offsets jump (lost offsets, lost data), what Kafka no longer has comes from the event store:
// kafka-gaps.ts.
// Every partition of one fetch goes to the consumer in one round (one transaction of a projection, not one per
// partition), and offsets are committed on an interval rather than per batch: a consumer's checkpoint rows skip what a
// redelivery brings again, so the offsets only bound how much comes again after a crash or a rebalance.

export interface KafkaFeedOptions {
  brokers: string[];
  /** SASL credentials and TLS (kafka-client.ts); none: PLAINTEXT, unauthenticated. */
  security?: KafkaSecurity;
  topic: string;
  /** One group per consumer (a projection, the saga): its members split the partitions between them. */
  groupId: string;
  logger: Logger;
  clientId?: string;
  /**
   * Where the feed reads the events a partition lost before the consumer got them (kafka-gaps.ts): without it, such
   * a gap goes unnoticed.
   */
  eventStore?: GapStore;
  /** The events the consumer reads: the others are not decoded, only their positions count (default: all). */
  wants?: EventInterest;
  /** Most messages of one partition handed over in one FeedBatch (a round holds one per partition). */
  batchSize?: number;
  /**
   * Finished offsets are committed at most this often (default 1 s), and as the feed closes with a round in hand. A
   * partition's next owner redelivers what came after the last commit: the consumer's checkpoint rows skip it.
   */
  commitIntervalMs?: number;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** How long one fetch waits on an idle topic; it also bounds how long leaving the group takes. */
  maxWaitTimeMs?: number;
  /** Heartbeats stop once the consumer has worked this long on one batch, so a stuck consumer loses its partitions. */
  maxBatchMs?: number;
  connectionTimeoutMs?: number;
  retry?: RetryOptions;
  /** Told true once this member has joined its group, false once it left it or its consumer failed (for GET /ready). */
  onMembership?: (member: boolean) => void;
  /** Told each partition's lag after each slice handled, and to forget them all when the assignment changes. */
  lag?: PartitionLag;
}

export interface PartitionLag {
  set(partition: number, messages: number): void;
  clear(): void;
}

/** Kafka failed under a feed; the consumer resubscribes (its committed offsets make that lose nothing). */
export class KafkaFeedFailed extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KafkaFeedFailed';
  }
}

/** Partitions of one fetch handed over together: more than a topic of this engine has. */
const MAX_PARTITIONS_PER_ROUND = 64;

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function kafkaFeed(options: KafkaFeedOptions): EventFeed {
  const {
    topic,
    groupId,
    batchSize = 500,
    heartbeatIntervalMs = 3_000,
    maxBatchMs = 300_000,
    commitIntervalMs = 1_000,
  } = options;
  const logger = options.logger.child({ component: 'kafka-feed', groupId });
  const kafka = kafkaClient(
    {
      clientId: options.clientId ?? groupId,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 5, ...options.retry },
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(logger),
    },
    options.security,
  );

  return async function* (after, signal, checkpointOf) {
    if (signal.aborted) return;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
      heartbeatInterval: heartbeatIntervalMs,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
      allowAutoTopicCreation: false,
      // kafkajs would restart a crashed consumer on its own; the caller's retry loop resubscribes instead, so a
      // broken feed shows in its status and backs off like any other failure.
      retry: { ...options.retry, restartOnFailure: async () => false },
    });
    const batches = handoff<FeedBatch>();
    // Per partition: the highest position a batch the consumer finished carried. Only finished batches count, so a
    // batch given up in a rebalance and refetched in smaller pieces cannot lift `through` past what was delivered.
    const finished = new Map<number, GlobalPosition>();
    const removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, () => {
      options.lag?.clear();
      options.onMembership?.(true);
    });
    // Opened only for a gap check, which asks the broker about the topic and the group's offsets.
    const admin = lazyAdmin(kafka);
    const gaps: GapFiller | undefined =
      options.eventStore &&
      gapFiller({
        store: options.eventStore,
        topic,
        groupId,
        logger,
        batchSize,
        wants: options.wants,
        checkpointOf: async (partition) => (checkpointOf ? checkpointOf(partition) : after),
        admin: admin.open,
      });
    const removeCrashListener = consumer.on(consumer.events.CRASH, ({ payload }) => {
      options.onMembership?.(false);
      if (!payload.restart)
        batches.close(
          new KafkaFeedFailed(`Kafka consumer of ${groupId} crashed: ${reason(payload.error)}`, {
            cause: payload.error,
          }),
        );
    });

    /** Waits until the consumer pulls past the delivery, heartbeating meanwhile; false when it was abandoned. */
    async function finishedWith(delivery: Delivery<FeedBatch>, payload: EachBatchPayload): Promise<boolean> {
      const deadline = Date.now() + maxBatchMs;
      let stuck = false;
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise<undefined>(
          (resolve) => (timer = setTimeout(() => resolve(undefined), heartbeatIntervalMs)),
        );
        const outcome = await Promise.race([delivery.outcome, tick]);
        clearTimeout(timer);
        if (outcome !== undefined) return outcome;
        if (!payload.isRunning()) {
          delivery.abandon();
          return false;
        }
        if (Date.now() > deadline) {
          if (!stuck)
            logger.warn(
              'the consumer has worked on one batch too long; no more heartbeats, so the group reassigns it',
              { partition: delivery.item.partition, maxBatchMs },
            );
          stuck = true;
          continue;
        }
        try {
          await payload.heartbeat();
          // Rounds the consumer finished meanwhile (of other partitions) have offsets waiting for the next commit.
          await payload.commitOffsetsIfNecessary();
        } catch (error) {
          // A rebalance (or a lost session): the partition may go to another member, which starts from the last
          // commit. The consumer still finishes its transaction, harmlessly, but this batch's offsets stay unsent.
          delivery.abandon();
          throw error;
        }
      }
    }

    /**
     * Hands a batch over and waits until the consumer finished it; false when it was abandoned. Its receive spans
     * (tracing/kafka-receive.ts) last that long.
     */
    async function deliver(batch: FeedBatch, payload: EachBatchPayload): Promise<boolean> {
      const receive = received(batch, topic, groupId);
      try {
        if (!(await finishedWith(batches.offer(receive.batch), payload))) return false;
      } finally {
        receive.end();
      }
      finished.set(batch.partition!, batch.through);
      return true;
    }

    /** What the partition lost before the slice, from the event store; false when a batch of it was abandoned. */
    async function fillGap(partition: number, slice: KafkaMessage[], payload: EachBatchPayload): Promise<boolean> {
      if (!gaps) return true;
      for await (const missing of gaps.before(partition, slice, finished.get(partition) ?? 0n, payload.heartbeat)) {
        if (!(await deliver(missing, payload))) return false;
      }
      return true;
    }

    async function eachBatch(payload: EachBatchPayload): Promise<void> {
      const { partition, messages } = payload.batch;
      for (const slice of slices(messages, batchSize)) {
        if (batches.closed || !payload.isRunning() || payload.isStale()) break;
        if (!(await fillGap(partition, slice, payload))) break;
        const batch = feedBatchOf(partition, slice, finished.get(partition) ?? 0n, logger, options.wants);
        if (batch && !(await deliver(batch, payload))) break;
        // The consumer has committed its transaction for this slice (it pulled the next round): now Kafka may too,
        // with the next commit on the interval.
        payload.resolveOffset(slice.at(-1)!.offset);
        options.lag?.set(partition, Number(payload.batch.highWatermark) - Number(slice.at(-1)!.offset) - 1);
        gaps?.passed(partition, slice);
        await payload.commitOffsetsIfNecessary();
      }
      // Leaving the group: what this member finished is committed now rather than redone by the next owner.
      if (batches.closed) {
        await payload
          .commitOffsetsIfNecessary(payload.uncommittedOffsets())
          .catch((error: unknown) => logger.debug('committing offsets on leaving failed', { error: reason(error) }));
      }
    }

    try {
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        // Every partition of a fetch at once (each a batch of the round), each partition's slices in order, so a
        // stream's
        // order holds. autoCommit stays off (kafkajs would commit after every batch); the interval applies to the
        // commits eachBatch asks for.
        await consumer.run({
          autoCommit: false,
          autoCommitInterval: commitIntervalMs,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: MAX_PARTITIONS_PER_ROUND,
          eachBatch,
        });
      } catch (error) {
        throw new KafkaFeedFailed(`cannot consume ${topic} as ${groupId}: ${reason(error)}`, { cause: error });
      }
      logger.debug('consuming', { topic });
      for (;;) {
        const round = await batches.take(signal);
        if (!round) return;
        yield round.map((delivery) => delivery.item);
        for (const delivery of round) delivery.pulled();
      }
    } finally {
      // Whatever was handed over but not pulled past stays uncommitted: the next owner of its partition redelivers it.
      batches.close();
      removeCrashListener();
      removeJoinListener();
      options.lag?.clear();
      options.onMembership?.(false);
      await admin.close();
      // Leaving the group (rather than vanishing) hands the partitions to the other members at once.
      await consumer
        .disconnect()
        .catch((error: unknown) => logger.warn('leaving the consumer group failed', { error: reason(error) }));
    }
  };
}
