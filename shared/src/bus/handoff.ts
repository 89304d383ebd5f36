// The bridge between kafkajs, which pushes batches into eachBatch, and an async generator, whose consumer pulls them.
// Each batch travels as a delivery that eachBatch waits on: it is `pulled` once the consumer asked for the next ones
// (so it finished this one), or `abandoned` when nobody will finish it (the feed closed, the partition was revoked).

export interface Delivery<T> {
  readonly item: T;
  /** true once the consumer pulled past this item, false once it was abandoned. */
  readonly outcome: Promise<boolean>;
  pulled(): void;
  abandon(): void;
  readonly abandoned: boolean;
}

function delivery<T>(item: T): Delivery<T> {
  let settle: (pulled: boolean) => void = () => {};
  let settled: boolean | undefined;
  const outcome = new Promise<boolean>((resolve) => (settle = resolve));
  const finish = (pulled: boolean) => {
    if (settled !== undefined) return;
    settled = pulled;
    settle(pulled);
  };
  return {
    item,
    outcome,
    pulled: () => finish(true),
    abandon: () => finish(false),
    get abandoned() {
      return settled === false;
    },
  };
}

export interface Handoff<T> {
  /** Queues an item for the consumer; after close() the delivery comes back abandoned. */
  offer(item: T): Delivery<T>;
  /**
   * Every live delivery queued (at least one, waiting for it if need be), including those offered in the same turn of
   * the event loop as the first; undefined once signal aborts or the handoff closes; rejects with close()'s error.
   */
  take(signal: AbortSignal): Promise<Delivery<T>[] | undefined>;
  /** Abandons everything not yet pulled (queued, or taken but unfinished) and wakes the taker. */
  close(error?: unknown): void;
  readonly closed: boolean;
}

export function handoff<T>(): Handoff<T> {
  const queue: Delivery<T>[] = [];
  let taken: Delivery<T>[] = [];
  let wake: (() => void) | undefined;
  let closed: { error?: unknown } | undefined;

  const nudge = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };

  return {
    offer(item) {
      const next = delivery(item);
      if (closed) next.abandon();
      else queue.push(next);
      nudge();
      return next;
    },
    async take(signal) {
      for (;;) {
        if (closed?.error !== undefined) throw closed.error;
        if (closed || signal.aborted) return undefined;
        if (queue.length > 0) {
          // kafkajs hands one fetch's partitions to eachBatch calls that all offer in the same turn: let them all in.
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (closed || signal.aborted) continue;
          // eachBatch gave some up before the consumer got to them (a rebalance): their partitions' owner redelivers
          // them.
          const live = queue.splice(0).filter((next) => !next.abandoned);
          if (live.length > 0) return (taken = live);
          continue;
        }
        await new Promise<void>((resolve) => {
          const onAbort = () => resolve();
          signal.addEventListener('abort', onAbort, { once: true });
          wake = () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          };
        });
      }
    },
    close(error) {
      if (!closed) closed = error === undefined ? {} : { error };
      for (const inHand of taken) inHand.abandon();
      for (const next of queue.splice(0)) next.abandon();
      nudge();
    },
    get closed() {
      return closed !== undefined;
    },
  };
}
