// Group commit in the client. A call that finds a free slot is sent at once, alone; calls that arrive while every
// slot is busy wait, and go together in the next run: one statement (one transaction, one WAL flush) for all of
// them. No timer is involved, so a lone call pays no extra latency, and under load each run carries many calls,
// which is what lets concurrent single-event appends go faster than as many single-row INSERTs. Every caller still
// gets its own outcome, only once its run has finished.

export interface CoalescerOptions {
  /** Runs in flight at once (default 2): one commits while the next fills. */
  maxInFlight?: number;
  /** Calls per run at most (default 256). */
  maxBatch?: number;
  /**
   * Whether a run that failed as a whole is sent again call by call, so that one call's fault (a duplicate event id,
   * say) fails only its own caller. Default: never (an outage fails every caller of the run).
   */
  retryAlone?: (error: unknown) => boolean;
}

interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Coalesces concurrent calls into runs of `run`, which answers one outcome per item, in order: a result, or an
 * Error that fails only that item's caller.
 */
export function coalescer<T, R>(
  run: (items: readonly T[]) => Promise<(R | Error)[]>,
  options: CoalescerOptions = {},
): (item: T) => Promise<R> {
  const { maxInFlight = 2, maxBatch = 256, retryAlone = () => false } = options;
  const waiting: Pending<T, R>[] = [];
  let inFlight = 0;

  function pump(): void {
    while (inFlight < maxInFlight && waiting.length > 0) {
      const batch = waiting.splice(0, maxBatch);
      inFlight++;
      void send(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  async function send(batch: readonly Pending<T, R>[]): Promise<void> {
    let outcomes: (R | Error)[];
    try {
      outcomes = await run(batch.map((pending) => pending.item));
    } catch (error) {
      if (batch.length === 1 || !retryAlone(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      await Promise.all(batch.map((pending) => send([pending])));
      return;
    }
    batch.forEach((pending, i) => {
      const outcome = outcomes[i] as R | Error;
      if (outcome instanceof Error) pending.reject(outcome);
      else pending.resolve(outcome);
    });
  }

  return (item) =>
    new Promise((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      pump();
    });
}
