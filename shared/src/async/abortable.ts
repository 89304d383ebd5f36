// stop() must end promptly even when a feed waits for new events and ignores the signal: the runner races every
// read of the feed against the abort instead of trusting the feed to return. It does give the feed a moment to
// close, though: a Kafka consumer that leaves its group hands its partitions over at once, not after its session.

/** How long closing a feed may hold up stop() or a retry. */
export const FEED_CLOSE_GRACE_MS = 5_000;

/** Yields from source until it ends or signal aborts, whichever comes first. */
export async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  closeGraceMs = FEED_CLOSE_GRACE_MS,
): AsyncGenerator<T> {
  if (signal.aborted) return;
  const iterator = source[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await nextOrAborted(iterator, signal);
      if (next === 'aborted' || next.done) return;
      yield next.value;
    }
  } finally {
    // Awaited for a bounded time only: a feed stuck in next() would otherwise hold stop() until its next event.
    const closing = iterator.return?.()?.catch(() => undefined);
    if (closing) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closing, new Promise((resolve) => (timer = setTimeout(resolve, closeGraceMs)))]);
      clearTimeout(timer);
    }
  }
}

// One listener per read, removed once it settles: a race against one promise that waits for the abort would keep
// every item it was ever raced with (each race leaves a reaction on it) until the loop ends.
function nextOrAborted<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | 'aborted'> {
  return new Promise((resolve, reject) => {
    // A listener added after the abort would never be called.
    if (signal.aborted) return resolve('aborted');
    const onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    // A read that fails after the abort settled this promise is dropped here, not left unhandled.
    iterator.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
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
