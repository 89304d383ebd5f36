// Load shedding. Past capacity, work queued in front of a service only grows: every request waits longer, until
// clients time out and hang up. A limiter admits a bounded number of calls at once and lets a bounded number wait,
// each for a bounded time; past that, a call is refused at once, so a client hears "retry later" within a second.
// With a latency target, the number admitted adapts (additive increase, multiplicative decrease, as TCP does): more
// calls at once than the service can run only make each one slower, so a call slower than the target lowers the limit.

export interface AdmissionLimits {
  /** Calls admitted at once: the most, when the limit adapts. */
  concurrency: number;
  /** Adapt the limit so that an admitted call takes about this long (ms); none: a fixed limit. */
  latencyTargetMs?: number;
  /** The least the adaptive limit falls to (default 16, or concurrency when smaller). */
  minConcurrency?: number;
  now?: () => number;
  /** Calls that may wait for a slot; 0: refuse as soon as every slot is taken. */
  queueLimit: number;
  /** A waiting call is refused once it has waited this long. */
  maxWaitMs: number;
}

/** Refused for lack of capacity: the caller should retry after retryAfterSeconds. */
export class Overloaded extends Error {
  readonly retryAfterSeconds = 1;
  constructor(readonly reason: 'queue-full' | 'waited-too-long') {
    super(
      reason === 'queue-full'
        ? 'too many requests are waiting; retry in a second'
        : 'no capacity came free in time; retry in a second',
    );
    this.name = 'Overloaded';
  }
}

export interface AdmissionStatus {
  /** Calls admitted at once now: concurrency, or less while the limit adapts. */
  limit: number;
  inFlight: number;
  waiting: number;
  /** Calls refused since start. */
  refused: number;
}

export interface AdmissionLimiter {
  /** Resolves with a release (call it once the work is done; repeated calls do nothing), or rejects with Overloaded. */
  admit(): Promise<() => void>;
  status(): AdmissionStatus;
}

interface Waiter {
  grant(release: () => void): void;
  timer: NodeJS.Timeout;
}

export function admissionLimiter({
  concurrency,
  queueLimit,
  maxWaitMs,
  latencyTargetMs,
  minConcurrency = 16,
  now = performance.now.bind(performance),
}: AdmissionLimits): AdmissionLimiter {
  if (!(concurrency >= 1)) throw new Error(`admission concurrency must be at least 1 (got ${concurrency})`);
  const floor = Math.min(minConcurrency, concurrency);
  let limit = concurrency;
  let lastDecrease = -Infinity;
  let inFlight = 0;
  let refused = 0;
  const waiting: Waiter[] = [];

  // A slow call lowers the limit only while the limit binds (calls wait, or every slot is taken): below it, fewer calls
  // at once would not make one faster (a slow database, a batch's wait) and would only refuse calls later. One decrease
  // per target interval: the calls that were already slow together count as one signal. Every fast call raises it.
  const observe = (tookMs: number) => {
    if (latencyTargetMs === undefined) return;
    const at = now();
    if (tookMs <= latencyTargetMs) {
      if (limit < concurrency) limit++;
      return;
    }
    const binding = waiting.length > 0 || inFlight + 1 >= limit;
    if (!binding || at - lastDecrease < latencyTargetMs) return;
    limit = Math.max(floor, Math.floor(limit * Math.max(0.5, Math.min(0.9, latencyTargetMs / tookMs))));
    lastDecrease = at;
  };

  // A slot passes straight from a finished call to the first waiter, so a newcomer can never overtake the queue.
  const slot = (): (() => void) => {
    const admittedAt = now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight--;
      observe(now() - admittedAt);
      while (inFlight < limit && waiting.length > 0) {
        const next = waiting.shift()!;
        clearTimeout(next.timer);
        inFlight++;
        next.grant(slot());
      }
    };
  };

  const refuse = (reason: Overloaded['reason']) => {
    refused++;
    return Promise.reject(new Overloaded(reason));
  };

  return {
    admit() {
      if (inFlight < limit && waiting.length === 0) {
        inFlight++;
        return Promise.resolve(slot());
      }
      if (waiting.length >= queueLimit) return refuse('queue-full');
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          grant: resolve,
          timer: setTimeout(() => {
            waiting.splice(waiting.indexOf(waiter), 1);
            refuse('waited-too-long').catch(reject);
          }, maxWaitMs),
        };
        waiting.push(waiter);
      });
    },
    status: () => ({ limit, inFlight, waiting: waiting.length, refused }),
  };
}
