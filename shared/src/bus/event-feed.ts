import type { GlobalPosition, RecordedEvent } from '../event-store/event-store.js';

/**
 * Where consumers (projection runners, the fulfilment saga) get events from: embedded, the event store's catch-up
 * subscription; distributed, a Kafka consumer group. Pulling the next batch acknowledges the previous one, so a feed
 * commits (Kafka offsets) only after the consumer finished the batch, including its database transaction.
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

/** `after` is the consumer's stored checkpoint; a Kafka feed resumes from committed offsets instead. */
export type EventFeed = (after: GlobalPosition, signal: AbortSignal) => AsyncIterable<FeedBatch>;

/** The embedded feed: the event store's catch-up subscription, one global partition. */
export const storeFeed =
  (subscribe: (options: { after: GlobalPosition; signal: AbortSignal; batchSize?: number }) => AsyncIterable<RecordedEvent[]>, batchSize?: number): EventFeed =>
  async function* (after, signal) {
    for await (const events of subscribe({ after, signal, batchSize })) {
      const last = events.at(-1);
      if (last) yield { events, through: last.position };
    }
  };
