import type { EventFeed, FeedRound } from '../bus/event-feed.js';
import type { GlobalPosition, RecordedEvent } from '../event-store/event-store.js';
import type { Logger } from '../logging/logger.js';
import { checkpointKey, effectiveCheckpoint } from '../read-models/checkpoints.js';
import { sleep, untilAborted } from '../async/abortable.js';
import { inRoundSpan } from '../tracing/round-span.js';
import { backoff as jitteredBackoff, type BackoffPolicy } from './backoff.js';
import { noCounters, type ProcessorStatus } from './status.js';

/** One source's part of a round: its events not handled yet, and how far the source has delivered. */
export interface SourceBatch {
  /** The source's checkpoint key: `<name>` or `<name>#p<n>`. */
  source: string;
  events: readonly RecordedEvent[];
  through: GlobalPosition;
}

/** What a handler may tell about a round it handled: how many of its events it set aside as dead letters itself. */
export interface RoundOutcome {
  deadLettered: number;
}

/**
 * Handles the new events of one round (`sources` holds them by source, with the positions to checkpoint); the
 * processor checkpoints the round only once this resolves.
 */
export type RoundHandler = (
  events: readonly RecordedEvent[],
  signal: AbortSignal,
  sources: readonly SourceBatch[],
) => Promise<void | RoundOutcome>;

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
  /**
   * Something to hold while consuming (the relay's lease): acquired before each run of the loop and released after
   * it, before any backoff. Without it the processor consumes whenever it runs.
   */
  session?: ProcessorSessions;
  /** Tests pin the jitter. */
  random?: () => number;
}

export interface ProcessorSessions {
  /** Waits until held (a standby waits here); undefined when signal aborted first. A rejection is a failure. */
  acquire(signal: AbortSignal): Promise<ProcessorSession | undefined>;
}

export interface ProcessorSession {
  /**
   * Aborts when the session is lost: the round in hand is abandoned, not checkpointed. That is no failure of the
   * processor (no backoff); it releases the session and acquires it again, which decides when to compete for it.
   */
  lost: AbortSignal;
  release(): Promise<void>;
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

  async function handleOrDeadLetter(round: Round, signal: AbortSignal): Promise<void | RoundOutcome> {
    const { deadLetter } = options;
    const { events, sources } = round;
    if (!deadLetter || failuresInARow < deadLetter.afterFailures) return handle(events, signal, sources);
    try {
      return await handle(events, signal, sources);
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
      const started = performance.now();
      // A round handles the events of many traces: its span links to theirs (tracing/round-span.ts).
      const outcome =
        events.length === 0
          ? await handleOrDeadLetter(unhandledRound, signal)
          : await inRoundSpan(name, events, () => handleOrDeadLetter(unhandledRound, signal));
      if (signal.aborted) return;
      await checkpoints.save?.(moves);
      for (const [source, position] of moves) advance(source, position);
      tell();
      state.counters.rounds++;
      state.counters.events += events.length;
      state.counters.roundSeconds += (performance.now() - started) / 1000;
      state.counters.deadLettered += outcome?.deadLettered ?? 0;
      retry.reset();
      failuresInARow = 0;
      delete state.lastError;
    }
  }

  const failed = (error: unknown): number => {
    // Infrastructure failures pass: resume from the last checkpoint; handled events are repeated, harmlessly.
    const retryInMs = retry.next();
    state.lastError = messageOf(error);
    state.counters.failures++;
    failuresInARow++;
    logger.warn(`${name}: failed, retrying from the last checkpoint`, {
      error: state.lastError,
      errorName: (error as Error | undefined)?.name,
      // Errors that know whether a retry makes sense say so (KafkaUnavailable); it is retried either way.
      retryable: (error as { retryable?: unknown } | undefined)?.retryable !== false,
      attempt: failuresInARow,
      retryInMs,
    });
    return retryInMs;
  };

  const lost = (session: ProcessorSession): number => {
    state.lastError = messageOf(session.lost.reason);
    retry.reset();
    failuresInARow = 0;
    return 0;
  };

  /** One run of the loop, in a session when there is one; answers how long to wait before the next run. */
  async function runOnce(stop: AbortSignal): Promise<number> {
    let session: ProcessorSession | undefined;
    try {
      if (options.session) {
        session = await options.session.acquire(stop);
        if (!session) return 0;
      }
      await consumeOnce(session ? AbortSignal.any([stop, session.lost]) : stop);
      if (session?.lost.aborted) return lost(session);
      // A feed that ends without being stopped (a closed Kafka consumer, say) is resumed from the checkpoint.
      return stop.aborted ? 0 : retry.next();
    } catch (error) {
      if (stop.aborted) return 0;
      // A save through a session that was lost meanwhile fails: that is the lost session, not a failure.
      return session?.lost.aborted ? lost(session) : failed(error);
    } finally {
      await session?.release();
    }
  }

  async function consume(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) await sleep(await runOnce(stop), stop);
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

const messageOf = (error: unknown): string => String((error as Error | undefined)?.message ?? error);
