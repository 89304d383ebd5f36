// How fast a rebuild goes and when it will be done. Pure: the job records samples, status readers ask.

export interface RateMeter {
  /** Notes that `done` events were done at time `at` (ms). */
  record(done: number, at?: number): void;
  /** Events per second over the window (0 until two samples are in it). */
  perSecond(): number;
}

/** Rate over a sliding window, so a resumed job or a slow start does not skew the figure for long. */
export function rateMeter(windowMs = 10_000, now: () => number = Date.now): RateMeter {
  const samples: { at: number; done: number }[] = [];
  return {
    record(done, at = now()) {
      samples.push({ at, done });
      // Keep one sample older than the window, so the rate always spans at least the window once it has filled.
      while (samples.length > 2 && samples[1]!.at <= at - windowMs) samples.shift();
    },
    perSecond() {
      const first = samples[0];
      const last = samples.at(-1);
      if (!first || !last || last.at <= first.at) return 0;
      return ((last.done - first.done) * 1_000) / (last.at - first.at);
    },
  };
}

/** Seconds until done at the given rate; null while no rate (or no total) is known yet. */
export function etaSeconds(done: number, total: number, perSecond: number): number | null {
  if (total > 0 && done >= total) return 0;
  if (!(perSecond > 0)) return null;
  return Math.ceil((total - done) / perSecond);
}
