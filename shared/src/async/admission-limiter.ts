// Load shedding. Past capacity, work queued in front of a service only grows: every request waits longer, until
// clients time out and hang up. A limiter admits a bounded number of calls at once and lets a bounded number wait,
// each for a bounded time; past that, a call is refused at once, so a client hears "retry later" within a second.
// A call the line would not reach in time (the calls ahead of it times the time between grants) is refused at once
// too, rather than after waiting out its time for nothing.
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
  constructor(readonly reason: 'queue-full' | 'would-wait-too-long' | 'waited-too-long') {
    // Refusals come by the thousand a second under overload, and their stack says nothing: none is captured.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(
      reason === 'waited-too-long'
        ? 'no capacity came free in time; retry in a second'
        : 'too many requests are waiting; retry in a second',
    );
    Error.stackTraceLimit = stackTraceLimit;
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
  /** The refusal a call arriving now would get at once (counted as one), or undefined: admit() would run or queue it. */
  refuseNow(): Overloaded | undefined;
  status(): AdmissionStatus;
}

interface Waiter {
  grant(release: () => void): void;
  timer: NodeJS.Timeout;
}

/** Grants the line's speed is averaged over. */
const GRANT_WINDOW = 32;

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
  // How fast the line moves: the time each of its last grants took, counted only while a line stood (calls let in
  // straight away meanwhile say nothing of its speed). Averaged over many grants, as they come in bursts (a batch
  // commits, many calls end at once).
  const grantMs: number[] = [];
  let grantMsSum = 0;
  let lastGrant: number | undefined;
  let lastMove = 0;

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
      const at = now();
      observe(at - admittedAt);
      while (inFlight < limit && waiting.length > 0) {
        grantMsSum += at - lastMove;
        if (grantMs.push(at - lastMove) > GRANT_WINDOW) grantMsSum -= grantMs.shift()!;
        lastGrant = lastMove = at;
        const next = waiting.shift()!;
        clearTimeout(next.timer);
        inFlight++;
        next.grant(slot());
      }
    };
  };

  const refusal = (): Overloaded['reason'] | undefined => {
    if (inFlight < limit && waiting.length === 0) return undefined;
    if (waiting.length >= queueLimit) return 'queue-full';
    if (waiting.length === 0) return undefined;
    // The time the line takes per grant, a stall since the last one included; ahead of a newcomer are the waiters and
    // the calls in flight past the limit (after a decrease, they must end before anyone is let in).
    const gapMs = (grantMsSum + now() - lastMove) / Math.max(1, grantMs.length);
    const ahead = waiting.length + 1 + Math.max(0, inFlight - limit);
    return ahead * gapMs > maxWaitMs ? 'would-wait-too-long' : undefined;
  };

  const refuse = (reason: Overloaded['reason']) => {
    refused++;
    return new Overloaded(reason);
  };

  return {
    admit() {
      const reason = refusal();
      if (reason) return Promise.reject(refuse(reason));
      if (inFlight < limit && waiting.length === 0) {
        inFlight++;
        return Promise.resolve(slot());
      }
      // A line that forms anew starts its clock now, and is measured afresh when none was granted for longer than a wait.
      if (waiting.length === 0) {
        lastMove = now();
        if (lastGrant === undefined || lastMove - lastGrant > maxWaitMs) {
          grantMs.length = 0;
          grantMsSum = 0;
        }
      }
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          grant: resolve,
          timer: setTimeout(() => {
            waiting.splice(waiting.indexOf(waiter), 1);
            reject(refuse('waited-too-long'));
          }, maxWaitMs),
        };
        waiting.push(waiter);
      });
    },
    refuseNow() {
      const reason = refusal();
      return reason && refuse(reason);
    },
    status: () => ({ limit, inFlight, waiting: waiting.length, refused }),
  };
}
