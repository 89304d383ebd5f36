import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { admissionLimiter, Overloaded } from './admission-limiter.js';

// The limiter's rules: `concurrency` calls run at once, `queueLimit` wait in arrival order, a call that waits longer
// than maxWaitMs or finds the queue full is refused with Overloaded, and every release frees exactly one slot.
// overload.int.spec.ts floods a command service behind it.

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Admits without awaiting, recording the outcome: 'admitted' with its release, or the refusal. */
function attempt(limiter: ReturnType<typeof admissionLimiter>) {
  const outcome: { release?: () => void; refused?: unknown } = {};
  limiter.admit().then(
    (release) => (outcome.release = release),
    (error: unknown) => (outcome.refused = error),
  );
  return outcome;
}

describe('admissionLimiter', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('admits up to its concurrency at once, then queues, then refuses at once when the queue is full', async () => {
    const limiter = admissionLimiter({ concurrency: 2, queueLimit: 1, maxWaitMs: 500 });
    const calls = [attempt(limiter), attempt(limiter), attempt(limiter), attempt(limiter)];
    await settle();
    expect(calls.map((c) => (c.release ? 'admitted' : c.refused ? 'refused' : 'waiting'))).toEqual([
      'admitted',
      'admitted',
      'waiting',
      'refused',
    ]);
    expect(calls[3]!.refused).toBeInstanceOf(Overloaded);
    expect((calls[3]!.refused as Overloaded).reason).toBe('queue-full');
    expect(limiter.status()).toEqual({ limit: expect.any(Number), inFlight: 2, waiting: 1, refused: 1 });
  });

  it('hands a released slot to the first waiter, in arrival order, before any newcomer', async () => {
    const limiter = admissionLimiter({ concurrency: 1, queueLimit: 5, maxWaitMs: 500 });
    const first = attempt(limiter);
    const second = attempt(limiter);
    const third = attempt(limiter);
    await settle();
    first.release!();
    const newcomer = attempt(limiter);
    await settle();
    expect([second.release, third.release, newcomer.release].map(Boolean)).toEqual([true, false, false]);
    expect(limiter.status()).toEqual({ limit: expect.any(Number), inFlight: 1, waiting: 2, refused: 0 });
  });

  it('refuses a call that waited maxWaitMs, and forgets it', async () => {
    const limiter = admissionLimiter({ concurrency: 1, queueLimit: 5, maxWaitMs: 500 });
    const running = attempt(limiter);
    const waiting = attempt(limiter);
    vi.advanceTimersByTime(499);
    await settle();
    expect(waiting.refused).toBeUndefined();
    vi.advanceTimersByTime(1);
    await settle();
    expect((waiting.refused as Overloaded).reason).toBe('waited-too-long');
    expect(limiter.status()).toEqual({ limit: expect.any(Number), inFlight: 1, waiting: 0, refused: 1 });
    running.release!();
    expect(limiter.status()).toEqual({ limit: expect.any(Number), inFlight: 0, waiting: 0, refused: 1 });
  });

  it('frees one slot per admitted call however often its release is called', async () => {
    const limiter = admissionLimiter({ concurrency: 2, queueLimit: 0, maxWaitMs: 500 });
    const a = attempt(limiter);
    const b = attempt(limiter);
    await settle();
    a.release!();
    a.release!();
    expect(limiter.status().inFlight).toBe(1);
    b.release!();
    expect(limiter.status().inFlight).toBe(0);
  });

  it('with no queue, refuses as soon as every slot is taken', async () => {
    const limiter = admissionLimiter({ concurrency: 1, queueLimit: 0, maxWaitMs: 500 });
    attempt(limiter);
    const refused = attempt(limiter);
    await settle();
    expect((refused.refused as Overloaded).reason).toBe('queue-full');
  });

  describe('refusing at once a call the line would not reach in time', () => {
    /** One slot, on a clock the test moves: three waiters granted `everyMs` apart, the last of them still running. */
    async function granting(everyMs: number) {
      let clock = 0;
      const limiter = admissionLimiter({ concurrency: 1, queueLimit: 100, maxWaitMs: 500, now: () => clock });
      const calls = Array.from({ length: 4 }, () => attempt(limiter));
      const advance = (ms: number) => {
        clock += ms;
        vi.advanceTimersByTime(ms);
      };
      await settle();
      for (const call of calls.slice(0, 3)) {
        advance(everyMs);
        call.release!();
        await settle();
      }
      return { limiter, advance, running: calls[3]! };
    }

    it('by the calls ahead of it times the time between grants', async () => {
      const { limiter } = await granting(100);
      // A grant every 100 ms: the fifth in line has its turn at 500 ms, in time; the sixth would not.
      const line = Array.from({ length: 6 }, () => attempt(limiter));
      await settle();
      expect(line.map((call) => (call.refused as Overloaded | undefined)?.reason ?? 'waiting')).toEqual([
        'waiting',
        'waiting',
        'waiting',
        'waiting',
        'waiting',
        'would-wait-too-long',
      ]);
      expect(limiter.status()).toMatchObject({ inFlight: 1, waiting: 5, refused: 1 });
    });

    it('counting the time since the last grant, so that a line that stalls refuses sooner', async () => {
      const { limiter, advance } = await granting(10);
      // A grant every 10 ms, so four more may wait.
      const line = Array.from({ length: 4 }, () => attempt(limiter));
      advance(300);
      // None for 300 ms since: 110 ms a grant, and the fifth in line would wait 550 ms.
      const late = attempt(limiter);
      await settle();
      expect(line.filter((call) => call.refused)).toEqual([]);
      expect((late.refused as Overloaded).reason).toBe('would-wait-too-long');
    });

    it('by its speed while it stood: time without a line, when calls were let straight in, is not a stall', async () => {
      const { limiter, advance, running } = await granting(10);
      running.release!();
      // 400 ms with a free slot (calls let in at once, none waiting), then the line forms again behind one call.
      advance(400);
      attempt(limiter);
      const line = Array.from({ length: 51 }, () => attempt(limiter));
      await settle();
      // Still a grant every 10 ms: fifty may wait (the fiftieth has its turn at 500 ms), the fifty-first may not.
      expect(line.slice(0, 50).filter((call) => call.refused)).toEqual([]);
      expect((line[50]!.refused as Overloaded).reason).toBe('would-wait-too-long');
    });
  });

  describe('with a latency target', () => {
    /** A limiter on a clock the test moves, with `busy` calls admitted and one more waiting. */
    async function loaded(busy: number) {
      let clock = 0;
      const limiter = admissionLimiter({
        concurrency: 100,
        queueLimit: 1_000,
        maxWaitMs: 60_000,
        latencyTargetMs: 250,
        minConcurrency: 10,
        now: () => clock,
      });
      const calls = Array.from({ length: busy }, () => attempt(limiter));
      await settle();
      return { limiter, calls, advance: (ms: number) => (clock += ms) };
    }

    it('lowers the limit by how far a call overran the target (a tenth to a half), once per target interval', async () => {
      const { limiter, calls, advance } = await loaded(100);
      attempt(limiter);
      advance(260);
      calls[0]!.release!();
      calls[1]!.release!();
      // Just over the target, and two slow calls at once are one signal: 100 → 90; no freed slot goes to the waiter.
      expect(limiter.status()).toMatchObject({ limit: 90, inFlight: 98, waiting: 1 });
      advance(100);
      calls[2]!.release!();
      expect(limiter.status().limit).toBe(90);
      advance(150);
      calls[3]!.release!();
      // 510 ms, twice the target: halved, no more.
      expect(limiter.status().limit).toBe(45);
    });

    it('never falls below its floor, and climbs back by one per fast call while calls wait', async () => {
      const { limiter, calls, advance } = await loaded(100);
      const waiters = Array.from({ length: 30 }, () => attempt(limiter));
      for (const call of calls.slice(0, 40)) {
        advance(300);
        call.release!();
      }
      expect(limiter.status()).toMatchObject({ limit: 10, inFlight: 60 });
      for (const call of calls.slice(40)) call.release!();
      await settle();
      expect(limiter.status()).toMatchObject({ limit: 10, inFlight: 10, waiting: 20 });
      // The first ten waiters run now, and fast: each raises the limit by one, and more waiters are let in.
      advance(10);
      for (const waiter of waiters.slice(0, 10)) waiter.release!();
      await settle();
      expect(limiter.status()).toMatchObject({ limit: 20, inFlight: 20, waiting: 0 });
    });

    it('leaves the limit alone when a call is slow while slots are free and nobody waits', async () => {
      const { limiter, calls, advance } = await loaded(40);
      advance(600);
      calls[0]!.release!();
      expect(limiter.status()).toMatchObject({ limit: 100, inFlight: 39, waiting: 0 });
    });

    it('climbs back by one per fast call, whether or not calls wait', async () => {
      const { limiter, calls, advance } = await loaded(100);
      attempt(limiter);
      advance(600);
      calls[0]!.release!();
      // Slow too, but inside the same target interval: one decrease, 100 → 50.
      for (const call of calls.slice(1, 61)) call.release!();
      await settle();
      expect(limiter.status()).toMatchObject({ limit: 50, inFlight: 40, waiting: 0 });
      const fresh = Array.from({ length: 5 }, () => attempt(limiter));
      await settle();
      advance(10);
      for (const call of fresh) call.release!();
      expect(limiter.status()).toMatchObject({ limit: 55, inFlight: 40, waiting: 0 });
    });

    it('stays at its concurrency while calls are fast', async () => {
      const { limiter, calls, advance } = await loaded(100);
      attempt(limiter);
      advance(10);
      for (const call of calls.slice(0, 50)) call.release!();
      expect(limiter.status()).toMatchObject({ limit: 100, inFlight: 51, waiting: 0 });
    });
  });
});
