import type { GlobalPosition, RecordedEvent } from '../event-store/event-store.js';

/**
 * Where consumers (projection runners, the fulfilment saga) get events from: embedded, the event store's catch-up
 * subscription; distributed, a Kafka consumer group. A feed yields rounds: the batches it has at one moment, at most
 * one per source (the store's global feed has one source; Kafka, a partition each), for the consumer to take as one
 * unit of work (one transaction). Pulling the next round acknowledges the one before, so a feed commits (Kafka
 * offsets) only after the consumer finished a round, including its database transaction.
 */
export interface FeedBatch {
  events: RecordedEvent[];
  /** Kafka partition the batch came from; undefined for the single global feed of the event store. */
  partition?: number;
  /**
   * Every event of this partition (or of `$all`, without partition) up to this position has been delivered, even when
   * `events` is empty: the relay's watermarks advance idle partitions. A consumer checkpoints this value.
   */
  through: GlobalPosition;
}

/**
 * The events a consumer reads, by stream and type. A feed may leave the others out of a batch's `events` (their
 * positions still count toward `through`), sparing itself the decoding of what would only be skipped.
 */
export type EventInterest = (streamId: string, type: string) => boolean;

/** Batches of different sources, delivered and acknowledged together; never empty. */
export type FeedRound = readonly FeedBatch[];

/** Where the consumer's checkpoint of a Kafka partition stands now, as its stored rows say (0n before any). */
export type PartitionCheckpoint = (partition: number) => Promise<GlobalPosition>;

/**
 * `after` is the consumer's stored checkpoint; a Kafka feed resumes from committed offsets instead, and checks with
 * `checkpointOf` that they did not skip past what the consumer has handled (kafka-gaps.ts).
 */
export type EventFeed = (
  after: GlobalPosition,
  signal: AbortSignal,
  checkpointOf?: PartitionCheckpoint,
) => AsyncIterable<FeedRound>;

/** The embedded feed: the event store's catch-up subscription, one global partition. */
export const storeFeed = (
  subscribe: (options: {
    after: GlobalPosition;
    signal: AbortSignal;
    batchSize?: number;
  }) => AsyncIterable<RecordedEvent[]>,
  batchSize?: number,
): EventFeed =>
  async function* (after, signal) {
    for await (const events of subscribe({ after, signal, batchSize })) {
      const last = events.at(-1);
      if (last) yield [{ events, through: last.position }];
    }
  };
