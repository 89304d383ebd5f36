import { SpanKind } from '@opentelemetry/api';
import {
  eventMessage,
  processor,
  sleep,
  spansPerTrace,
  storeFeed,
  watermarkMessage,
  withTraceHeaders,
  type EventFeed,
  type EventStore,
  type GlobalPosition,
  type HeldBack,
  type Logger,
  type ProcessorCheckpoints,
  type ProcessorSession,
  type ProcessorSessions,
  type ProcessorStatus,
  type RoundHandler,
} from '@order-engine/shared';
import { watchHeldBack } from './held-back-watch.js';
import type { EventProducer } from './kafka-producer.js';
import type { HeldLease, Lease } from './lease.js';

// The relay: `$all` → Kafka, at-least-once and in per-stream order (docs/architecture.md, Relay: event store to Kafka).
// It is a processor whose session is the lease: while it holds the lease it follows the event store's catch-up
// subscription from its checkpoint and, per round:
// 1. sends the events (key = stream id, so a stream stays in one partition, in position = revision order), and after
//    them, in the same send, a watermark with the round's last position to every partition: a partition appends its
//    messages of a send in order (and a send split in requests goes one request after the other), so "partition p
//    holds everything up to X" is only ever said after it became true;
// 2. saves the checkpoint through the lease connection, only after Kafka acknowledged all of it.
// Any failure restarts from the checkpoint after the processor's backoff: what was sent but not checkpointed is sent
// again (duplicates), nothing is skipped.

/**
 * standby: waiting for the lease; active: holds it and relays; fenced: lost it (a round in hand is abandoned, not
 * checkpointed) and pauses before competing again; retrying: backing off after a failure.
 */
export type RelayState = 'stopped' | 'standby' | 'active' | 'fenced' | 'retrying';

/** The processor's status, with what only the relay knows. */
export interface RelayStatus extends ProcessorStatus {
  state: RelayState;
  /** Last position saved: `position`, once this relay held the lease (undefined before). */
  checkpoint: GlobalPosition | undefined;
  /** Events this process sent and checkpointed (`counters.events`; re-sends after a restart count again). */
  eventsRelayed: number;
  /** Backend pid of the lease connection while active (pg_terminate_backend on it forces a takeover). */
  leasePid?: number;
  /** While active: committed events wait behind a transaction still running, since `since` (held-back-watch.ts). */
  heldBack?: HeldBack & { since: Date };
}

export interface Relay {
  /** Starts the loop in the background; a second call does nothing. */
  start(): void;
  /** Ends promptly and releases the lease; a round in flight is not checkpointed (the next holder re-sends it). */
  stop(): Promise<void>;
  status(): RelayStatus;
}

export interface RelayOptions {
  eventStore: EventStore;
  producer: EventProducer;
  lease: Lease;
  logger: Logger;
  /** Names the lease and the checkpoint: one active relay per name. */
  name: string;
  /** The topic sent to, for the names of the send spans (`send <topic>`; default: the relay's name). */
  topic?: string;
  /** Largest batch read from the store and sent in one producer call (default 500). */
  batchSize?: number;
  /**
   * Least time from one round to the next (default 10 ms), so that the appends of that moment go out as one round:
   * every round costs a send, a checkpoint and a watermark per partition, and each consumer a round of work.
   */
  lingerMs?: number;
  /** The processor's jittered backoff after a failure (default 200 ms → 10 s). */
  backoff?: { initialMs: number; maxMs: number };
  /** Pause before competing for the lease again after losing it, so a healthy standby wins (default 2 s). */
  rejoinDelayMs?: number;
  /** How long stop() waits for a send in flight before it fences by releasing the lease anyway (default 5 s). */
  stopGraceMs?: number;
  /**
   * While the checkpoint stands still, how often to ask the store whether a transaction holds $all back (default 5 s).
   */
  heldBackCheckMs?: number;
}

export function createRelay(options: RelayOptions): Relay {
  const { eventStore, producer, lease, name, batchSize = 500, lingerMs = 10 } = options;
  const rejoinDelayMs = options.rejoinDelayMs ?? 2_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const logger = options.logger.child({ component: 'relay', relay: name });
  let state: RelayState = 'stopped';
  let started = false;
  let stopping = false;
  let checkpoint: GlobalPosition | undefined;
  let heldBack: (HeldBack & { since: Date }) | undefined;
  /** The lease of the current term, while held. */
  let held: HeldLease | undefined;

  const holding = (): HeldLease => {
    if (!held) throw new Error(`relay ${name}: the lease is not held`);
    return held;
  };

  // Saved through the lease connection: a save that succeeds ran while the lease was held.
  const checkpoints: ProcessorCheckpoints = {
    loadAll: async () => new Map([[name, await holding().loadCheckpoint()]]),
    async save(positions) {
      const position = positions.get(name);
      if (position === undefined) return;
      await holding().saveCheckpoint(position);
      checkpoint = position;
    },
  };

  // Each event's trace shows its send (a span per trace the round's events carry), and its message's headers name
  // that span, for the consumers to continue (docs/tracing.md).
  const send: RoundHandler = async (events) => {
    const last = events.at(-1);
    if (!last) return;
    const sending = spansPerTrace(`send ${options.topic ?? name}`, events, {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send' },
    });
    try {
      await producer.send([
        ...events.map((event) => withTraceHeaders(eventMessage(event), sending.carrierOf(event))),
        ...Array.from({ length: producer.partitions() }, (_, partition) => watermarkMessage(partition, last.position)),
      ]);
    } catch (error) {
      sending.end(error);
      throw error;
    }
    sending.end();
  };

  const fenced = (ended: HeldLease) => {
    if (stopping || state !== 'active' || held !== ended) return;
    // Said at once, even while a send that can't be aborted is still in flight.
    state = 'fenced';
    logger.warn('relay lease lost: stopped relaying, will compete for it again', {
      error: String((ended.lost.reason as Error | undefined)?.message ?? ended.lost.reason),
      rejoinInMs: rejoinDelayMs,
    });
  };

  /** One term as the active relay, watched for a transaction that holds $all back. */
  const term = (current: HeldLease): ProcessorSession => {
    held = current;
    state = 'active';
    current.lost.addEventListener('abort', () => fenced(current), { once: true });
    const unwatch = watchHeldBack({
      eventStore,
      checkpoint: () => checkpoint,
      logger,
      intervalMs: options.heldBackCheckMs,
      onChange: (change) => (heldBack = change),
    });
    return {
      lost: current.lost,
      async release() {
        unwatch();
        heldBack = undefined;
        held = undefined;
        // Neither lost nor stopped: the processor failed, and backs off before acquiring again.
        if (state === 'active' && !stopping) state = 'retrying';
        await current.release();
      },
    };
  };

  const sessions: ProcessorSessions = {
    async acquire(signal) {
      // Fenced, not failed: step back so the standby, which has been polling, takes over.
      if (state === 'fenced') await sleep(rejoinDelayMs, signal);
      state = 'standby';
      const current = await lease.acquire(name, signal).catch((error: unknown) => {
        state = 'retrying';
        throw error;
      });
      if (!current) return undefined;
      const session = term(current);
      try {
        checkpoint = await current.loadCheckpoint();
        // Connected before the first event: the topic exists once a relay holds the lease.
        await producer.connect();
      } catch (error) {
        await session.release();
        throw error;
      }
      logger.info('relaying', { after: checkpoint, partitions: producer.partitions(), pid: current.pid });
      return session;
    },
  };

  const processing = processor({
    name,
    feed: lingering(
      storeFeed((subscribe) => eventStore.subscribeToAll(subscribe), batchSize),
      lingerMs,
    ),
    checkpoints,
    handle: send,
    session: sessions,
    logger,
    backoff: options.backoff ?? { initialMs: 200, maxMs: 10_000 },
  });

  return {
    start() {
      if (started) return;
      started = true;
      stopping = false;
      processing.start();
    },
    async stop() {
      if (!started) return;
      stopping = true;
      // A kafkajs send cannot be aborted: give it a moment, then fence by releasing the lease so the standby can take
      // over at once; the send's round is never checkpointed by this relay (its save would fail).
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), stopGraceMs)),
      );
      if ((await Promise.race([processing.stop(), graceOver])) === 'timeout') {
        logger.warn('relay still sending at stop: releasing the lease anyway', { graceMs: stopGraceMs });
        await held?.release();
      }
      clearTimeout(timer);
      started = false;
      state = 'stopped';
      logger.info('relay stopped', { checkpoint, eventsRelayed: processing.status().counters.events });
    },
    status() {
      const status = processing.status();
      return {
        ...status,
        state,
        checkpoint,
        eventsRelayed: status.counters.events,
        ...(held && { leasePid: held.pid }),
        ...(heldBack && { heldBack }),
      };
    },
  };
}

/** Starts a round no sooner than lingerMs after the one before, so the appends of that moment go out together. */
function lingering(feed: EventFeed, lingerMs: number): EventFeed {
  return async function* (after, signal, checkpointOf) {
    for await (const round of feed(after, signal, checkpointOf)) {
      const yielded = Date.now();
      yield round;
      // Sending and checkpointing the round count toward the wait: a round takes the longer of the two, not both.
      const rest = lingerMs - (Date.now() - yielded);
      if (rest > 0) await sleep(rest, signal);
    }
  };
}
