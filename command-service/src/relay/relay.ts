import {
  eventMessage,
  sleep,
  untilAborted,
  watermarkMessage,
  type EventStore,
  type GlobalPosition,
  type HeldBack,
  type Logger,
  type RecordedEvent,
} from '@order-engine/shared';
import { watchHeldBack } from './held-back-watch.js';
import type { EventProducer } from './kafka-producer.js';
import type { HeldLease, Lease } from './lease.js';

// The relay: `$all` → Kafka, at-least-once and in per-stream order (docs/architecture.md, Relay: event store to Kafka).
// While it holds the lease it follows the event store's catch-up subscription from its checkpoint and, per batch:
// 1. sends the events (key = stream id, so a stream stays in one partition, in position = revision order), and after
//    them, in the same send, a watermark with the batch's last position to every partition: a partition appends its
//    messages of a send in order (and a send split in requests goes one request after the other), so "partition p
//    holds everything up to X" is only ever said after it became true;
// 2. saves the checkpoint through the lease connection, only after Kafka acknowledged all of it.
// Any failure restarts from the checkpoint after a capped back-off: what was sent but not checkpointed is sent
// again (duplicates), nothing is skipped.

/**
 * standby: waiting for the lease; active: holds it and relays; fenced: lost it (a batch in hand is abandoned, not
 * checkpointed) and pauses before competing again; retrying: backing off after a failure.
 */
export type RelayState = 'stopped' | 'standby' | 'active' | 'fenced' | 'retrying';

export interface RelayStatus {
  state: RelayState;
  /** Last position saved (known once this relay held the lease). */
  checkpoint: GlobalPosition | undefined;
  /** Events this process sent and checkpointed (re-sends after a restart count again). */
  eventsRelayed: number;
  /** Backend pid of the lease connection while active (pg_terminate_backend on it forces a takeover). */
  leasePid?: number;
  lastError?: string;
  /** While active: committed events wait behind a transaction still running, since `since` (held-back-watch.ts). */
  heldBack?: HeldBack & { since: Date };
}

export interface Relay {
  /** Starts the loop in the background; a second call does nothing. */
  start(): void;
  /** Ends promptly and releases the lease; a batch in flight is not checkpointed (it is re-sent by the next holder). */
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
  /** Largest batch read from the store and sent in one producer call (default 500). */
  batchSize?: number;
  /**
   * Pause after each batch is handed to the producer (default 10 ms), so that the appends of that moment go out as one
   * batch: every batch costs a send, a checkpoint and a watermark per partition, and each consumer a round of work.
   */
  lingerMs?: number;
  /** Delay after a failure, doubling up to maxMs (default 200 ms → 10 s). */
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

/** The lease is gone: the loop stops relaying and goes back to acquiring. */
class LeaseLost extends Error {
  constructor(reason: unknown) {
    super(`lease lost: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'LeaseLost';
  }
}

export function createRelay(options: RelayOptions): Relay {
  const {
    eventStore,
    producer,
    lease,
    name,
    batchSize = 500,
    lingerMs = 10,
    backoff = { initialMs: 200, maxMs: 10_000 },
  } = options;
  const rejoinDelayMs = options.rejoinDelayMs ?? 2_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const logger = options.logger.child({ component: 'relay', relay: name });
  const status: RelayStatus = { state: 'stopped', checkpoint: undefined, eventsRelayed: 0 };
  let stopping: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let held: HeldLease | undefined;
  /** Consecutive failures: the back-off grows with them; a checkpointed batch resets it. */
  let failures = 0;

  /** One term as the active relay, watched for a transaction that holds $all back. */
  async function relayWhileHeld(current: HeldLease, stop: AbortSignal): Promise<void> {
    const after = await current.loadCheckpoint();
    status.checkpoint = after;
    const unwatch = watchHeldBack({
      eventStore,
      checkpoint: () => status.checkpoint,
      logger,
      intervalMs: options.heldBackCheckMs,
      onChange: (heldBack) => (heldBack ? (status.heldBack = heldBack) : delete status.heldBack),
    });
    try {
      await relayFrom(after, current, stop);
    } finally {
      unwatch();
      delete status.heldBack;
    }
  }

  /**
   * Relays from the checkpoint until stopped, fenced or failed. Batches are pipelined: a batch is sent while the relay
   * lingers and reads the next one, and its checkpoint is saved while the next one is sent. Sends still go one at a
   * time and in order, and every checkpoint follows its own batch's acknowledgement.
   */
  async function relayFrom(after: GlobalPosition, current: HeldLease, stop: AbortSignal): Promise<void> {
    const session = AbortSignal.any([stop, current.lost]);
    const fenced = () => {
      if (current.lost.aborted && !stop.aborted) throw new LeaseLost(current.lost.reason);
    };
    await producer.connect();
    logger.info('relaying', { after, partitions: producer.partitions(), pid: current.pid });
    // The batch in flight (resolves once Kafka acknowledged it) and the checkpoints saved so far, one after the other.
    let sending: Promise<void> = Promise.resolve();
    let saving: Promise<void> = Promise.resolve();
    let saveFailure: unknown;
    let failure: { error: unknown } | undefined;
    try {
      for await (const batch of untilAborted(
        eventStore.subscribeToAll({ after, batchSize, signal: session }),
        session,
      )) {
        await sending;
        if (saveFailure !== undefined) throw saveFailure;
        fenced();
        if (stop.aborted) break;
        sending = sendBatch(batch, current);
        saving = Promise.all([saving, sending]).then(() => saveCheckpoint(batch, current));
        // A failed send is seen by the next iteration's await, a failed save through saveFailure; the last ones below.
        sending.catch(() => undefined);
        saving.catch((error: unknown) => (saveFailure ??= error));
        // The appends of the next lingerMs go out together, as the next batch; this one is sent meanwhile.
        await sleep(lingerMs, session);
      }
      fenced();
      // The subscription ended without being stopped (the store was closed, say): a failure, so it backs off.
      if (!stop.aborted) throw new Error('the event store subscription ended');
    } catch (error) {
      failure = { error };
    }
    // Whatever is still in flight ends with this term: a failure in it is this term's failure, unless the term failed
    // already (then that error is the one that counts).
    const late = (await Promise.allSettled([sending, saving])).find(
      (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
    );
    if (failure) throw failure.error;
    if (late && !stop.aborted) throw late.reason;
  }

  async function sendBatch(batch: RecordedEvent[], current: HeldLease): Promise<void> {
    const last = batch.at(-1);
    if (!last) return;
    await producer.send([
      ...batch.map(eventMessage),
      ...Array.from({ length: producer.partitions() }, (_, partition) => watermarkMessage(partition, last.position)),
    ]);
    // A relay fenced while sending must not even try: the save would fail anyway, this just says why.
    if (current.lost.aborted) throw new LeaseLost(current.lost.reason);
  }

  async function saveCheckpoint(batch: RecordedEvent[], current: HeldLease): Promise<void> {
    const last = batch.at(-1);
    if (!last) return;
    await current.saveCheckpoint(last.position);
    status.checkpoint = last.position;
    status.eventsRelayed += batch.length;
    delete status.lastError;
    failures = 0;
  }

  async function run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      let pause = 0;
      try {
        status.state = 'standby';
        held = await lease.acquire(name, stop);
        if (!held) return;
        status.state = 'active';
        status.leasePid = held.pid;
        // Say so at once, even while a send that can't be aborted is still in flight.
        held.lost.addEventListener('abort', () => {
          if (!stop.aborted && status.state === 'active') status.state = 'fenced';
        });
        await relayWhileHeld(held, stop);
      } catch (error) {
        if (stop.aborted) return;
        status.lastError = error instanceof Error ? error.message : String(error);
        // A save through a dead lease connection fails with SqlUnavailable: that too is a lost lease.
        if (error instanceof LeaseLost || held?.lost.aborted) {
          // Fenced, not failed: step back so the standby, which has been polling, takes over.
          status.state = 'fenced';
          logger.warn('relay lease lost: stopped relaying, will compete for it again', {
            error: status.lastError,
            rejoinInMs: rejoinDelayMs,
          });
          pause = rejoinDelayMs;
          failures = 0;
        } else {
          failures += 1;
          pause = Math.min(backoff.initialMs * 2 ** (failures - 1), backoff.maxMs);
          const retryable = (error as { retryable?: unknown }).retryable !== false;
          logger.error('relay failed: restarting from the checkpoint', {
            error: status.lastError,
            errorName: (error as Error)?.name,
            retryable,
            attempt: failures,
            retryInMs: pause,
            checkpoint: status.checkpoint,
          });
          status.state = 'retrying';
        }
      } finally {
        const ending = held;
        held = undefined;
        delete status.leasePid;
        await ending?.release();
      }
      if (pause > 0) await sleep(pause, stop);
    }
  }

  return {
    start() {
      if (loop) return;
      const controller = new AbortController();
      stopping = controller;
      loop = run(controller.signal)
        .catch((error: unknown) => logger.error('relay loop crashed', { error: String(error) }))
        .finally(() => {
          status.state = 'stopped';
        });
    },
    async stop() {
      const running = loop;
      if (!running) return;
      stopping?.abort();
      // A kafkajs send cannot be aborted: give it a moment, then fence by releasing the lease so the standby can take
      // over at once; the send's batch is never checkpointed by this relay (its save would fail).
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), stopGraceMs)),
      );
      if ((await Promise.race([running, graceOver])) === 'timeout') {
        logger.warn('relay still sending at stop: releasing the lease anyway', { graceMs: stopGraceMs });
        await held?.release();
      }
      clearTimeout(timer);
      loop = undefined;
      stopping = undefined;
      status.state = 'stopped';
      logger.info('relay stopped', { checkpoint: status.checkpoint, eventsRelayed: status.eventsRelayed });
    },
    status: () => ({ ...status }),
  };
}
