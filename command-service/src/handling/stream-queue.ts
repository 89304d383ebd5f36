/** Runs tasks for one key one after another, tasks for different keys side by side. */
export type StreamQueue = <T>(key: string, task: () => Promise<T>) => Promise<T>;

// Commands on one stream in one process would only collide with each other and burn their retries: queue
// them instead. Optimistic concurrency still guards against other processes appending to the same stream.
export function streamQueue(): StreamQueue {
  const tails = new Map<string, Promise<unknown>>();
  return (key, task) => {
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    // Drop the entry once nothing is queued behind this task, so the map does not grow with every stream ever seen.
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
