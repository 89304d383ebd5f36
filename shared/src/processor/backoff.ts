// The one retry policy of every processor: exponential, capped, with jitter so that members failing together
// (a database restart) do not all come back in the same instant.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5_000 };

export interface Backoff {
  /** The wait before the next retry: between half and all of the current step, which then doubles up to maxMs. */
  next(): number;
  reset(): void;
}

export function backoff(policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): Backoff {
  let step = policy.initialMs;
  return {
    next() {
      const wait = Math.round(step / 2 + (random() * step) / 2);
      step = Math.min(step * 2, policy.maxMs);
      return wait;
    },
    reset() {
      step = policy.initialMs;
    },
  };
}
