import {
  checkpointKey,
  effectiveCheckpoint,
  sleep,
  untilAborted,
  type EventFeed,
  type GlobalPosition,
  type Logger,
  type RecordedEvent,
} from '@order-engine/shared';
import type { CheckpointStore } from './checkpoints.js';

export interface ConsumerStatus {
  running: boolean;
  /**
   * Every event up to here is handled and checkpointed, as far as this process knows (on Kafka, partitions that
   * other members own advance only in the database).
   */
  position: GlobalPosition;
  lastError?: string;
}

export interface Consumer {
  start(): void;
  /** Ends promptly: the event in hand is finished, nothing more is read. */
  stop(): Promise<void>;
  status(): ConsumerStatus;
}

export interface ConsumerOptions {
  name: string;
  /** The event store's subscription (storeFeed) or Kafka (kafkaFeed), which ignores `after` for its own offsets. */
  feed: EventFeed;
  /** The Kafka topic's partition count when the feed is Kafka; undefined for the event store's global feed. */
  feedPartitions?: number;
  checkpoints: CheckpointStore;
  handle: (event: RecordedEvent) => Promise<void>;
  /**
   * Events of one key are handled one after the other, in feed order; events of different keys in a batch side by
   * side (their commands then share commits). Without it, every event waits for the one before.
   */
  keyOf?: (event: RecordedEvent) => string;
  logger: Logger;
  backoff?: { initialMs: number; maxMs: number };
}

/**
 * Feeds events to `handle` (one key at a time, see keyOf) and checkpoints the sources of each round (the global feed,
 * or the Kafka partitions of one fetch) once the whole round is handled: at-least-once, resumable.
 */
export function checkpointedConsumer(options: ConsumerOptions): Consumer {
  const {
    name,
    feed,
    feedPartitions,
    checkpoints,
    handle,
    keyOf = () => '',
    logger,
    backoff = { initialMs: 100, maxMs: 5_000 },
  } = options;
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  const state: ConsumerStatus = { running: false, position: 0n };
  const handled = new Map<string, GlobalPosition>();

  const advance = (source: string, position: GlobalPosition) => {
    if (position > (handled.get(source) ?? -1n)) handled.set(source, position);
    state.position = effectiveCheckpoint(name, handled, feedPartitions);
  };

  async function handleBatch(events: readonly RecordedEvent[], signal: AbortSignal): Promise<void> {
    const byKey = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const key = keyOf(event);
      const keyed = byKey.get(key);
      if (keyed) keyed.push(event);
      else byKey.set(key, [event]);
    }
    const outcomes = await Promise.allSettled(
      [...byKey.values()].map(async (keyed) => {
        for (const event of keyed) {
          if (signal.aborted) return;
          await handle(event);
        }
      }),
    );
    // Every key has finished before the batch counts as failed: none is still running when it is retried.
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async function consume(signal: AbortSignal): Promise<void> {
    let delay = backoff.initialMs;
    while (!signal.aborted) {
      try {
        for (const [source, position] of await checkpoints.loadAll(name)) advance(source, position);
        const checkpointOf = async (partition: number) =>
          (await checkpoints.loadAll(name)).get(checkpointKey(name, partition)) ?? 0n;
        for await (const round of untilAborted(feed(handled.get(name) ?? 0n, signal, checkpointOf), signal)) {
          // What a source has handled already (redelivered after a rebalance or a restart) is not handled again, and
          // a watermark it has passed changes nothing.
          const moves = new Map<string, GlobalPosition>();
          const events: RecordedEvent[] = [];
          for (const batch of round) {
            const source = checkpointKey(name, batch.partition);
            const done = handled.get(source) ?? -1n;
            if (batch.through <= done) continue;
            moves.set(source, batch.through);
            for (const event of batch.events) if (event.position > done) events.push(event);
          }
          if (moves.size === 0) continue;
          await handleBatch(events, signal);
          if (signal.aborted) return;
          await checkpoints.save(moves);
          for (const [source, position] of moves) advance(source, position);
          delay = backoff.initialMs;
          delete state.lastError;
        }
        // A feed that ends without being stopped (a closed Kafka consumer, say) is resumed from the checkpoint.
        if (!signal.aborted) await sleep(delay, signal);
      } catch (error) {
        if (signal.aborted) return;
        // Infrastructure failures pass: resume from the last checkpoint; handled events are repeated, harmlessly.
        state.lastError = String((error as Error)?.message ?? error);
        logger.warn(`${name}: failed, retrying from the last checkpoint`, { error: state.lastError, retryInMs: delay });
        await sleep(delay, signal);
        delay = Math.min(delay * 2, backoff.maxMs);
      }
    }
  }

  return {
    start() {
      if (loop) return;
      controller = new AbortController();
      state.running = true;
      loop = consume(controller.signal).finally(() => {
        state.running = false;
      });
    },
    async stop() {
      controller?.abort();
      await loop;
      loop = undefined;
      controller = undefined;
    },
    status: () => ({ ...state }),
  };
}
