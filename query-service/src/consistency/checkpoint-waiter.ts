import { readEffectiveCheckpoints, type Logger, type SqlExecutor } from '@order-engine/shared';

// Read-your-writes waits for a projection's checkpoint to pass a position. A request costs one query up front,
// unless others are waiting already; after that, one shared poller per projection re-reads the checkpoint for all
// of them, so a steady stream of waiting requests costs one query per poll interval, not one per request. Where the
// projections run in the same process, they report each move of the live version's checkpoint (advanced), which
// answers waiting requests at once.

/** Global position a projection has applied every event up to; 0n when it has applied nothing yet. */
export type ReadCheckpoint = (projection: string) => Promise<bigint>;

/**
 * Reads the projection's effective checkpoint: its global row, or on Kafka (`partitions` = the topic's partition
 * count) the lowest of its partition rows, so a write is never reported visible before every worker applied it.
 */
export const sqlCheckpoints =
  (db: SqlExecutor, adminSchema: string, partitions?: number): ReadCheckpoint =>
  async (projection) =>
    (await readEffectiveCheckpoints(db, adminSchema, [projection], partitions)).get(projection) ?? 0n;

export interface WaitResult {
  /** The checkpoint last read: what the following read reflects at least. */
  position: bigint;
  reached: boolean;
}

export interface CheckpointWaiter {
  waitFor(projection: string, minPosition: bigint, timeoutMs: number): Promise<WaitResult>;
  /** The projection's checkpoint has moved to position (reported by its runner in this process). */
  advanced(projection: string, position: bigint): void;
  /** Stops polling; requests still waiting are answered as not reached. */
  close(): void;
}

interface Waiter {
  minPosition: bigint;
  settle(result: WaitResult): void;
}

export interface CheckpointWaiterOptions {
  readCheckpoint: ReadCheckpoint;
  logger: Logger;
  pollIntervalMs?: number;
}

export function checkpointWaiter({
  readCheckpoint,
  logger,
  pollIntervalMs = 15,
}: CheckpointWaiterOptions): CheckpointWaiter {
  const waiting = new Map<string, Set<Waiter>>();
  const latest = new Map<string, bigint>();
  const pollers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  const settleReached = (projection: string, position: bigint) => {
    for (const waiter of waiting.get(projection) ?? []) {
      if (position >= waiter.minPosition) waiter.settle({ position, reached: true });
    }
  };

  const schedulePoll = (projection: string) => {
    if (closed || pollers.has(projection) || !waiting.get(projection)?.size) return;
    pollers.set(
      projection,
      setTimeout(() => void poll(projection), pollIntervalMs),
    );
  };

  // The poller's timer stays registered until its query is done, so one projection never has two polls in flight.
  const poll = async (projection: string) => {
    // Everyone may have timed out since this poll was scheduled: then there is nothing to read for.
    if (!waiting.get(projection)?.size) {
      pollers.delete(projection);
      return;
    }
    try {
      const position = await readCheckpoint(projection);
      latest.set(projection, position);
      settleReached(projection, position);
    } catch (error) {
      // A failed poll is retried on the next tick; the waiters' own timeouts bound how long that goes on.
      logger.warn('reading a projection checkpoint failed', { projection, error: String(error) });
    } finally {
      pollers.delete(projection);
      schedulePoll(projection);
    }
  };

  return {
    async waitFor(projection, minPosition, timeoutMs) {
      // While requests wait, the poller reads anyway, within pollIntervalMs: join it. (Answering from its last read
      // instead could answer from a version a rebuild has just switched away from.)
      const joinPoll = timeoutMs > 0 && !closed && (waiting.get(projection)?.size ?? 0) > 0;
      if (!joinPoll) {
        const position = await readCheckpoint(projection);
        latest.set(projection, position);
        if (position >= minPosition) return { position, reached: true };
        if (timeoutMs <= 0 || closed) return { position, reached: false };
      }
      const position = latest.get(projection) ?? 0n;
      return new Promise<WaitResult>((resolve) => {
        const set = waiting.get(projection) ?? new Set<Waiter>();
        waiting.set(projection, set);
        const waiter: Waiter = {
          minPosition,
          settle: (result) => {
            clearTimeout(timer);
            set.delete(waiter);
            resolve(result);
          },
        };
        const timer = setTimeout(
          () => waiter.settle({ position: latest.get(projection) ?? position, reached: false }),
          timeoutMs,
        );
        set.add(waiter);
        schedulePoll(projection);
      });
    },
    advanced(projection, position) {
      latest.set(projection, position);
      settleReached(projection, position);
    },
    close() {
      closed = true;
      for (const timer of pollers.values()) clearTimeout(timer);
      pollers.clear();
      for (const [projection, set] of waiting) {
        for (const waiter of set) waiter.settle({ position: latest.get(projection) ?? 0n, reached: false });
      }
    },
  };
}
