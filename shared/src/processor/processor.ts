import type { EventFeed, FeedRound } from '../bus/event-feed.js';
import type { GlobalPosition, RecordedEvent } from '../event-store/event-store.js';
import type { Logger } from '../logging/logger.js';
import { checkpointKey, effectiveCheckpoint } from '../read-models/checkpoints.js';
import { sleep, untilAborted } from '../async/abortable.js';
import { backoff as jitteredBackoff, type BackoffPolicy } from './backoff.js';
import { noCounters, type ProcessorStatus } from './status.js';

/** One source's part of a round: its events not handled yet, and how far the source has delivered. */
export interface SourceBatch {
  /** The source's checkpoint key: `<name>` or `<name>#p<n>`. */
  source: string;
  events: readonly RecordedEvent[];
  through: GlobalPosition;
}

/**
 * Handles the new events of one round (`sources` holds them by source, with the positions to checkpoint); the
 * processor checkpoints the round only once this resolves.
 */
export type RoundHandler = (
  events: readonly RecordedEvent[],
  signal: AbortSignal,
  sources: readonly SourceBatch[],
) => Promise<void>;

/** Where a processor's rows live: one per source, keyed by checkpointKey (`<name>` or `<name>#p<n>`). */
export interface ProcessorCheckpoints {
  loadAll(name: string): Promise<Map<string, GlobalPosition>>;
  /**
   * Saves a round's positions once it is handled. Absent when the handler saves them in its own transaction (a
   * projector), so that its effects and the checkpoints commit together.
   */
  save?(positions: ReadonlyMap<string, GlobalPosition>): Promise<void>;
}

/**
 * For a handler whose effects after its commit a crash can lose (a projector's cache writes): the feed resumes from
 * `resumeAfter` instead of the checkpoint, and the events the checkpoints cover that come again go to `handle`.
 */
export interface Redelivery {
  resumeAfter(source: string, checkpoint: GlobalPosition): GlobalPosition;
  handle(covered: readonly SourceBatch[]): Promise<void>;
}

export interface ProcessorOptions {
  name: string;
  /** The event store's subscription (storeFeed) or Kafka (kafkaFeed), which ignores `after` for its own offsets. */
  feed: EventFeed;
  /** The Kafka topic's partition count when the feed is Kafka; undefined for the event store's global feed. */
  feedPartitions?: number;
  checkpoints: ProcessorCheckpoints;
  handle: RoundHandler;
  logger: Logger;
  backoff?: BackoffPolicy;
  /**
   * Without it a failing round is retried forever. With it, a round that failed `afterFailures` times in a row is
   * handed to `record` on its next failure and checkpointed, so one poisonous event cannot stall the processor.
   */
  deadLetter?: DeadLetter;
  redelivery?: Redelivery;
  /** Told the position (as in status) whenever it moves: once the checkpoints are read, and after each round. */
  onAdvance?: (position: GlobalPosition) => void;
  /** Tests pin the jitter. */
  random?: () => number;
}

export interface Processor {
  start(): void;
  /** Drains: the round in hand is finished (not checkpointed when it was cut short), nothing more is read. */
  stop(): Promise<void>;
  status(): ProcessorStatus;
}

export interface DeadLetter {
  afterFailures: number;
  record(events: readonly RecordedEvent[], error: unknown): Promise<void>;
}

interface Round {
  moves: Map<string, GlobalPosition>;
  events: RecordedEvent[];
  sources: SourceBatch[];
  /** What the checkpoints cover already, delivered again. */
  covered: SourceBatch[];
}

/**
 * The checkpointed, supervised loop: reads rounds from the feed, skips what the checkpoints cover, hands the rest to
 * `handle`, checkpoints, and on failure backs off and resumes from the checkpoints: at-least-once, resumable.
 */
export function processor(options: ProcessorOptions): Processor {
  const { name, feed, feedPartitions, checkpoints, handle, logger, redelivery } = options;
  const retry = jitteredBackoff(options.backoff, options.random);
  let running: { controller: AbortController; loop: Promise<void> } | undefined;
  const state: ProcessorStatus = { name, running: false, position: 0n, counters: noCounters() };
  const handled = new Map<string, GlobalPosition>();
  let failuresInARow = 0;
  let told: GlobalPosition | undefined;

  const advance = (source: string, position: GlobalPosition) => {
    if (position > (handled.get(source) ?? -1n)) handled.set(source, position);
    state.position = effectiveCheckpoint(name, handled, feedPartitions);
  };
  const tell = () => {
    if (state.position === told) return;
    told = state.position;
    options.onAdvance?.(told);
  };

  // What a source has handled already (redelivered after a rebalance or a restart) is not handled again, and a
  // watermark it has passed changes nothing.
  const unhandled = (round: FeedRound): Round => {
    const moves = new Map<string, GlobalPosition>();
    const events: RecordedEvent[] = [];
    const sources: SourceBatch[] = [];
    const covered: SourceBatch[] = [];
    for (const batch of round) {
      const source = checkpointKey(name, batch.partition);
      const done = handled.get(source) ?? -1n;
      const fresh = batch.events.filter((event) => event.position > done);
      const again = fresh.length < batch.events.length ? batch.events.filter((e) => e.position <= done) : [];
      if (again.length > 0 || batch.through <= done)
        covered.push({ source, events: again, through: batch.through < done ? batch.through : done });
      if (batch.through <= done) continue;
      moves.set(source, batch.through);
      events.push(...fresh);
      sources.push({ source, events: fresh, through: batch.through });
    }
    return { moves, events, sources, covered };
  };

  async function handleOrDeadLetter(round: Round, signal: AbortSignal): Promise<void> {
    const { deadLetter } = options;
    const { events, sources } = round;
    if (!deadLetter || failuresInARow < deadLetter.afterFailures) return handle(events, signal, sources);
    try {
      await handle(events, signal, sources);
    } catch (error) {
      if (signal.aborted) throw error;
      await deadLetter.record(events, error);
      state.counters.deadLettered += events.length;
      logger.error(`${name}: gave up on a round, dead-lettered`, { events: events.length, error: String(error) });
    }
  }

  async function consumeOnce(signal: AbortSignal): Promise<void> {
    for (const [source, position] of await checkpoints.loadAll(name)) advance(source, position);
    tell();
    const checkpointOf = async (partition: number) =>
      (await checkpoints.loadAll(name)).get(checkpointKey(name, partition)) ?? 0n;
    const checkpoint = handled.get(name) ?? 0n;
    const after = redelivery ? redelivery.resumeAfter(name, checkpoint) : checkpoint;
    for await (const round of untilAborted(feed(after, signal, checkpointOf), signal)) {
      const unhandledRound = unhandled(round);
      const { moves, events, covered } = unhandledRound;
      if (redelivery && covered.length > 0) await redelivery.handle(covered);
      if (moves.size === 0) continue;
      await handleOrDeadLetter(unhandledRound, signal);
      if (signal.aborted) return;
      await checkpoints.save?.(moves);
      for (const [source, position] of moves) advance(source, position);
      tell();
      state.counters.rounds++;
      state.counters.events += events.length;
      retry.reset();
      failuresInARow = 0;
      delete state.lastError;
    }
  }

  async function consume(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await consumeOnce(signal);
        // A feed that ends without being stopped (a closed Kafka consumer, say) is resumed from the checkpoint.
        if (!signal.aborted) await sleep(retry.next(), signal);
      } catch (error) {
        if (signal.aborted) return;
        // Infrastructure failures pass: resume from the last checkpoint; handled events are repeated, harmlessly.
        const retryInMs = retry.next();
        state.lastError = String((error as Error)?.message ?? error);
        state.counters.failures++;
        failuresInARow++;
        logger.warn(`${name}: failed, retrying from the last checkpoint`, { error: state.lastError, retryInMs });
        await sleep(retryInMs, signal);
      }
    }
  }

  return {
    start() {
      if (running) return;
      const controller = new AbortController();
      state.running = true;
      const loop = consume(controller.signal).finally(() => {
        state.running = false;
      });
      running = { controller, loop };
    },
    async stop() {
      running?.controller.abort();
      await running?.loop;
      running = undefined;
    },
    status: () => ({ ...state, counters: { ...state.counters } }),
  };
}
