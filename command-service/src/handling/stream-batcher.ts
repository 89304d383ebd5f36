/** Runs the items of one key in batches, one batch at a time; batches of different keys run side by side. */
export type StreamBatcher<I, R> = (key: string, item: I) => Promise<R>;

/** Handles one batch of a key's items, in order; answers an outcome per item: its result, or an Error for it alone. */
export type BatchRun<I, R> = (key: string, items: readonly I[]) => Promise<(R | Error)[]>;

// Commands on one stream in one process would only collide with each other and burn their retries. Instead, an item
// that finds its stream idle runs at once, alone; items that arrive while the stream is busy wait, and go together in
// the next run, in arrival order: a hot stream (a product every order reserves) then costs one append per run
// rather than one per command, and a command waits for at most one run ahead of it. Optimistic concurrency still
// guards against other processes appending to the same stream.
export function streamBatcher<I, R>(run: BatchRun<I, R>, { maxBatch = 100 } = {}): StreamBatcher<I, R> {
  interface Pending {
    item: I;
    resolve(result: R): void;
    reject(error: unknown): void;
  }
  /** Keys with a run in flight, and what waits for the next one. Dropped once a key is idle. */
  const busy = new Map<string, Pending[]>();

  async function drain(key: string, batch: Pending[]): Promise<void> {
    for (; batch.length > 0; batch = busy.get(key)!.splice(0, maxBatch)) {
      try {
        const outcomes = await run(
          key,
          batch.map((pending) => pending.item),
        );
        batch.forEach((pending, i) => {
          const outcome = outcomes[i] as R | Error;
          if (outcome instanceof Error) pending.reject(outcome);
          else pending.resolve(outcome);
        });
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    busy.delete(key);
  }

  return (key, item) =>
    new Promise<R>((resolve, reject) => {
      const waiting = busy.get(key);
      if (waiting) return waiting.push({ item, resolve, reject });
      busy.set(key, []);
      void drain(key, [{ item, resolve, reject }]);
    });
}
