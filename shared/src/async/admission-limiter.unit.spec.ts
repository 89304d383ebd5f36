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
    expect(calls.map((c) => (c.release ? 'admitted' : c.refused ? 'refused' : 'waiting'))).toEqual(['admitted', 'admitted', 'waiting', 'refused']);
    expect(calls[3]!.refused).toBeInstanceOf(Overloaded);
    expect((calls[3]!.refused as Overloaded).reason).toBe('queue-full');
    expect(limiter.status()).toEqual({ inFlight: 2, waiting: 1, refused: 1 });
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
    expect(limiter.status()).toEqual({ inFlight: 1, waiting: 2, refused: 0 });
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
    expect(limiter.status()).toEqual({ inFlight: 1, waiting: 0, refused: 1 });
    running.release!();
    expect(limiter.status()).toEqual({ inFlight: 0, waiting: 0, refused: 1 });
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
});
