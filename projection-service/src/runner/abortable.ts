// stop() must end promptly even when a feed waits for new events and ignores the signal: the runner races every
// read of the feed against the abort instead of trusting the feed to return.

/** Yields from source until it ends or signal aborts, whichever comes first. */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) return;
  const iterator = source[Symbol.asyncIterator]();
  let onAbort = () => {};
  const aborted = new Promise<'aborted'>((resolve) => (onAbort = () => resolve('aborted')));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    while (true) {
      const pending = iterator.next();
      // A read that fails after we stopped listening must not surface as an unhandled rejection.
      pending.catch(() => {});
      const next = await Promise.race([pending, aborted]);
      if (next === 'aborted' || next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Not awaited: a feed stuck in next() would otherwise hold stop() until its next event.
    void iterator.return?.()?.catch(() => {});
  }
}

/** Waits ms, or less when signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
