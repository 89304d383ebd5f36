import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandComponents } from '@order-engine/client';
import type { Answer, HttpClient } from './http.js';
import { as } from './keys.js';

// An open-loop load of PlaceOrder commands: command i is due at start + i/rate whatever happened to the ones before,
// and its latency counts from that due time, not from when it was actually sent, so a server that falls behind is
// charged for the queue it builds (no coordinated omission). After its answer, each order is read on the query API
// the way a client reads its own writes: GET /orders/:id with X-Min-Position set to the command's position, which
// the query service holds until the read model has passed it (then 200), or answers X-Stale (then it is asked
// again). The lag is the time from the command's answer to that 200. Reading by polling instead would load the
// engine with a query per poll and order, work no client does. Each command carries an Idempotency-Key, as the
// README advises clients to send. During the warm-up the rate rises from a tenth of the full rate to all of it, so
// the services' JIT compiles their hot paths under load without a backlog of the cold start reaching the window.

export interface Stack {
  commandUrl: string;
  queryUrl: string;
}

export interface LoadOptions {
  rate: number;
  /** The ramp before the measured window: the rate rises linearly from rate / 10 to rate over it. */
  warmupSeconds: number;
  seconds: number;
  /** Pause before asking again after a stale answer. */
  pollMs: number;
  /** An order not visible this long after its answer counts as invisible. */
  visibleTimeoutMs: number;
}

export interface LoadResult {
  /** Commands due in the measured window. */
  measured: number;
  /** Commands sent in all, warm-up included. */
  sent: number;
  /** Answered 2xx, per second of the window from its start to the last answer. */
  achievedPerSecond: number;
  /** ms from due time to answer, 2xx answers of the measured window. */
  latencies: number[];
  /** ms from the answer to the 200 of GET /orders/:id with X-Min-Position. */
  lags: number[];
  /** Non-2xx answers and failed requests, warm-up included. */
  errors: number;
  firstError?: string;
  /** Orders still not visible after visibleTimeoutMs. */
  invisible: number;
  /** Polls per measured order. */
  pollsPerOrder: number;
  /** POST /orders answers of the measured window by status. */
  statuses: Record<number, number>;
  /**
   * ms from due time to a 503, ms from the request getting its socket to the 503 (the service's part), and how many
   * 503s lacked Retry-After, in the measured window.
   */
  refusals: { latencies: number[]; fromSend: number[]; withoutRetryAfter: number };
  /** p99 of the load generator's own event-loop delay (ms): when high, the generator, not the service, was late. */
  generatorDelayP99: number;
  /** The longest the load generator's event loop was held up (ms). */
  generatorDelayMax: number;
  /** POST /orders that got no answer at all (connection refused, reset or timed out), warm-up included. */
  socketErrors: number;
  firstSocketError?: string;
}

export interface OrderLine {
  sku: string;
  quantity: number;
}

/** 1–3 distinct lines over the skus, from a seeded generator so every run places the same orders. */
export function orderBodies(
  skus: readonly string[],
  seed = 7,
): (i: number) => { customerId: string; lines: OrderLine[] } {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return (i) => {
    const count = 1 + Math.floor(random() * 3);
    const chosen = new Set<string>();
    while (chosen.size < count) chosen.add(skus[Math.floor(random() * skus.length)]!);
    return {
      customerId: `customer-${i % 50}`,
      lines: [...chosen].map((sku) => ({ sku, quantity: 1 + Math.floor(random() * 3) })),
    };
  };
}

/**
 * When command i is due, in ms after the start: on the warm-up ramp the rate grows linearly from rate / 10 to rate,
 * so by time t (s) r0·t + (rate − r0)·t² / (2·warmup) commands were due; after it, one every 1 / rate s.
 */
export function dueTimes(rate: number, warmupSeconds: number): { due: (i: number) => number; warmupCount: number } {
  const r0 = rate / 10;
  const a = warmupSeconds > 0 ? (rate - r0) / (2 * warmupSeconds) : 0;
  const warmupCount = Math.floor(r0 * warmupSeconds + a * warmupSeconds ** 2);
  const due = (i: number): number => {
    if (i >= warmupCount) return (warmupSeconds + (i - warmupCount) / rate) * 1_000;
    return ((-r0 + Math.sqrt(r0 * r0 + 4 * a * i)) / (2 * a)) * 1_000;
  };
  return { due, warmupCount };
}

export async function openLoop(
  stack: Stack,
  client: HttpClient,
  body: (i: number) => unknown,
  options: LoadOptions,
): Promise<LoadResult> {
  const { rate, warmupSeconds, seconds, pollMs, visibleTimeoutMs } = options;
  // A shop's backend: places and reads orders with a client's key.
  const reader = as('client');
  const { due: dueAfterStart, warmupCount } = dueTimes(rate, warmupSeconds);
  const total = warmupCount + Math.round(rate * seconds);
  const begin = performance.now() + 20;
  const windowStart = begin + warmupSeconds * 1_000;
  const latencies: number[] = [];
  const lags: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let invisible = 0;
  let polls = 0;
  let measured = 0;
  let socketErrors = 0;
  let firstSocketError: string | undefined;
  const statuses: Record<number, number> = {};
  const refusals = { latencies: [] as number[], fromSend: [] as number[], withoutRetryAfter: 0 };
  const generatorDelay = monitorEventLoopDelay({ resolution: 10 });
  generatorDelay.enable();
  let lastAnswer = windowStart;
  const fail = (message: string) => {
    errors += 1;
    firstError ??= message;
  };

  const visible = async (orderId: string, position: string, answeredAt: number, counted: boolean): Promise<void> => {
    for (;;) {
      const answer = await client.get(`${stack.queryUrl}/orders/${orderId}`, { ...reader, 'x-min-position': position });
      if (counted) polls += 1;
      const now = performance.now();
      const stale = answer.headers['x-stale'] === 'true';
      if (answer.status === 200 && !stale) {
        if (counted) lags.push(now - answeredAt);
        return;
      }
      if (answer.status !== 404 && answer.status !== 200)
        return fail(`GET /orders/${orderId}: ${answer.status} ${answer.body.slice(0, 200)}`);
      if (!stale) return fail(`GET /orders/${orderId}: 404 although the read model has passed the order's position`);
      if (now - answeredAt > visibleTimeoutMs) {
        if (counted) invisible += 1;
        return;
      }
      await sleep(pollMs);
    }
  };

  const place = async (i: number, due: number): Promise<void> => {
    const counted = due >= windowStart;
    if (counted) measured += 1;
    let answer: Answer;
    try {
      // As a careful client would: a retry after a lost answer could then never place the order twice.
      answer = await client.post(`${stack.commandUrl}/orders`, body(i), {
        ...reader,
        'idempotency-key': randomUUID(),
      });
    } catch (error) {
      socketErrors += 1;
      firstSocketError ??= error instanceof Error ? error.message : String(error);
      return fail(error instanceof Error ? error.message : String(error));
    }
    const answeredAt = performance.now();
    if (counted) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    if (counted && answer.status === 503) {
      refusals.latencies.push(answeredAt - due);
      refusals.fromSend.push(answeredAt - answer.sentAt);
      if (!answer.headers['retry-after']) refusals.withoutRetryAfter += 1;
    }
    if (answer.status < 200 || answer.status >= 300)
      return fail(`POST /orders: ${answer.status} ${answer.body.slice(0, 200)}`);
    if (counted) {
      latencies.push(answeredAt - due);
      lastAnswer = Math.max(lastAnswer, answeredAt);
    }
    try {
      // The load keeps its own HTTP client, the one measured; the answer's type is the typed client's.
      const placed = JSON.parse(answer.body) as CommandComponents['schemas']['OrderAnswer'];
      await visible(placed.orderId, placed.position, answeredAt, counted);
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  };

  const inFlight: Promise<void>[] = [];
  const dueAt = (i: number) => begin + dueAfterStart(i);
  for (let i = 0; i < total;) {
    // Always yield while the next command is not due: above 1,000/s it is due in under a millisecond, and a loop
    // that spun until then would keep every request it made from being written.
    const wait = dueAt(i) - performance.now();
    if (wait > 0) await sleep(wait);
    // Everything due by now goes out at once, each with its own due time.
    for (let due = dueAt(i); i < total && due <= performance.now(); i++, due = dueAt(i)) {
      inFlight.push(place(i, due));
    }
  }
  await Promise.all(inFlight);
  generatorDelay.disable();
  return {
    measured,
    sent: total,
    achievedPerSecond: latencies.length / Math.max((lastAnswer - windowStart) / 1_000, seconds),
    latencies,
    lags,
    errors,
    firstError,
    invisible,
    pollsPerOrder: lags.length === 0 ? 0 : polls / measured,
    statuses,
    refusals,
    generatorDelayP99: generatorDelay.percentile(99) / 1e6,
    generatorDelayMax: generatorDelay.max / 1e6,
    socketErrors,
    firstSocketError,
  };
}

/** The p-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
