import { describe, expect, it } from 'vitest';
import type { FeedRound } from '../bus/event-feed.js';
import type { GlobalPosition, RecordedEvent } from '../event-store/event-store.js';
import { silentLogger } from '../logging/logger.js';
import { eventAt, historyFeed, partitionedFeed, until } from '../testing/feeds.js';
import { backoff } from './backoff.js';
import {
  processor,
  type ProcessorCheckpoints,
  type ProcessorOptions,
  type ProcessorSession,
  type ProcessorSessions,
} from './processor.js';
import { reactor, type ReactorOptions } from './reactor.js';

// The loop's guarantees, proven once for every processor (reactor, projector, relay, rebuild): at-least-once,
// resume, partitions, drain on stop, backoff with jitter, dead-lettering, status and counters.

type ReactingOptions = Omit<ProcessorOptions, 'handle'> & ReactorOptions;
const reacting = ({ handle, keyOf, ...options }: ReactingOptions) =>
  processor({ ...options, handle: reactor({ handle, keyOf }) });

const event = (position: number): RecordedEvent => eventAt(position);

function memoryCheckpoints(
  start = 0n,
): ProcessorCheckpoints & { saved: GlobalPosition[]; rows: Map<string, GlobalPosition> } {
  const saved: GlobalPosition[] = [];
  const rows = new Map<string, GlobalPosition>(start > 0n ? [['test', start]] : []);
  return {
    saved,
    rows,
    loadAll: async () => new Map(rows),
    save: async (positions) => {
      for (const [key, next] of positions) {
        rows.set(key, next);
        saved.push(next);
      }
    },
  };
}

const fast = { initialMs: 5, maxMs: 20 };

describe('processor', () => {
  it('hands every event over in order and checkpoints after each batch', async () => {
    const handled: bigint[] = [];
    const checkpoints = memoryCheckpoints();
    const consumer = reacting({
      name: 'test',
      feed: historyFeed([[event(1), event(2)], [event(3)]]),
      checkpoints,
      handle: async (e) => void handled.push(e.position),
      logger: silentLogger,
    });
    consumer.start();
    await until(() => consumer.status().position === 3n);
    await consumer.stop();
    expect(handled).toEqual([1n, 2n, 3n]);
    expect(checkpoints.saved).toEqual([2n, 3n]);
    expect(consumer.status().running).toBe(false);
  });

  it('on a partitioned feed, checkpoints each partition of a round, skips what a partition handled, and reports the lowest as its position', async () => {
    const handled: bigint[] = [];
    const checkpoints = memoryCheckpoints();
    const consumer = reacting({
      name: 'test',
      feed: partitionedFeed([
        [
          { events: [event(1), event(3)], partition: 0, through: 3n },
          { events: [], partition: 1, through: 3n },
        ],
        [{ events: [event(4)], partition: 0, through: 5n }],
        [{ events: [], partition: 1, through: 3n }], // a redelivered watermark: nothing to save
        [{ events: [event(3), event(4), event(6)], partition: 0, through: 6n }], // redelivered, then one new event
      ]),
      feedPartitions: 3,
      checkpoints,
      handle: async (e) => void handled.push(e.position),
      logger: silentLogger,
    });
    consumer.start();
    await until(() => checkpoints.saved.length === 4);
    // Partition 2 has said nothing yet: the consumer cannot claim anything as handled.
    expect(consumer.status().position).toBe(0n);
    await consumer.stop();
    expect(handled).toEqual([1n, 3n, 4n, 6n]);
    expect(checkpoints.saved).toEqual([3n, 3n, 5n, 6n]);
    expect(checkpoints.rows).toEqual(
      new Map([
        ['test#p0', 6n],
        ['test#p1', 3n],
      ]),
    );

    const resumed = reacting({
      name: 'test',
      feed: partitionedFeed([[{ events: [], partition: 2, through: 4n }]]),
      feedPartitions: 3,
      checkpoints,
      handle: async () => undefined,
      logger: silentLogger,
    });
    resumed.start();
    await until(() => resumed.status().position === 3n);
    await resumed.stop();
  });

  it('resumes after the stored checkpoint', async () => {
    const handled: bigint[] = [];
    const consumer = reacting({
      name: 'test',
      feed: historyFeed([[event(1), event(2)], [event(3)]]),
      checkpoints: memoryCheckpoints(2n),
      handle: async (e) => void handled.push(e.position),
      logger: silentLogger,
    });
    consumer.start();
    await until(() => consumer.status().position === 3n);
    await consumer.stop();
    expect(handled).toEqual([3n]);
  });

  it('after a failure, backs off and retries from the last checkpoint (at least once)', async () => {
    const handled: bigint[] = [];
    let failures = 1;
    const consumer = reacting({
      name: 'test',
      feed: historyFeed([[event(1)], [event(2), event(3)]]),
      checkpoints: memoryCheckpoints(),
      handle: async (e) => {
        handled.push(e.position);
        if (e.position === 3n && failures-- > 0) throw new Error('database away');
      },
      logger: silentLogger,
      backoff: fast,
    });
    consumer.start();
    await until(() => consumer.status().position === 3n);
    await consumer.stop();
    expect(handled).toEqual([1n, 2n, 3n, 2n, 3n]);
  });

  it('with keyOf, handles the events of one key in order and different keys side by side', async () => {
    const keyed = (position: number, key: string): RecordedEvent => ({ ...event(position), data: { key } });
    const keyOf = (e: RecordedEvent) => (e.data as { key: string }).key;
    const log: string[] = [];
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const checkpoints = memoryCheckpoints();
    const consumer = reacting({
      name: 'test',
      feed: historyFeed([[keyed(1, 'a'), keyed(2, 'b'), keyed(3, 'a'), keyed(4, 'b')]]),
      checkpoints,
      handle: async (e) => {
        log.push(`start ${e.position}`);
        // Event 1 waits until b's first event has started: were keys handled one after the other, it never would.
        if (e.position === 1n) await released;
        if (e.position === 2n) release();
        log.push(`end ${e.position}`);
      },
      keyOf,
      logger: silentLogger,
    });
    consumer.start();
    await until(() => consumer.status().position === 4n);
    await consumer.stop();
    const order = (entry: string) => log.indexOf(entry);
    expect(order('start 2')).toBeLessThan(order('end 1'));
    expect(order('end 1')).toBeLessThan(order('start 3'));
    expect(order('end 2')).toBeLessThan(order('start 4'));
    expect(checkpoints.saved).toEqual([4n]);
  });

  it('with keyOf, a key that fails fails the batch only once every other key has finished, and nothing is checkpointed', async () => {
    const keyed = (position: number, key: string): RecordedEvent => ({ ...event(position), data: { key } });
    const finished: bigint[] = [];
    let failures = 1;
    const checkpoints = memoryCheckpoints();
    let failedWhileRunning = -1;
    let running = 0;
    const consumer = reacting({
      name: 'test',
      feed: historyFeed([[keyed(1, 'a'), keyed(2, 'b'), keyed(3, 'b')]]),
      checkpoints,
      handle: async (e) => {
        running += 1;
        try {
          if (e.position === 1n && failures-- > 0) throw new Error('database away');
          await new Promise((resolve) => setTimeout(resolve, 20));
          finished.push(e.position);
        } finally {
          running -= 1;
        }
      },
      keyOf: (e) => (e.data as { key: string }).key,
      logger: { ...silentLogger, warn: () => void (failedWhileRunning = running) },
      backoff: fast,
    });
    consumer.start();
    await until(() => consumer.status().position === 3n);
    await consumer.stop();
    expect(failedWhileRunning).toBe(0);
    expect(finished).toEqual([2n, 3n, 1n, 2n, 3n]);
    expect(checkpoints.saved).toEqual([3n]);
  });

  it('survives a feed that fails', async () => {
    let subscriptions = 0;
    const inner = historyFeed([[event(1)]]);
    const consumer = reacting({
      name: 'test',
      feed: (after, signal) => {
        if (subscriptions++ === 0) throw new Error('broker unreachable');
        return inner(after, signal);
      },
      checkpoints: memoryCheckpoints(),
      handle: async () => undefined,
      logger: silentLogger,
      backoff: fast,
    });
    consumer.start();
    await until(() => consumer.status().position === 1n);
    await consumer.stop();
    expect(subscriptions).toBe(2);
  });

  it('stop() ends promptly, even with a feed that ignores the signal', async () => {
    const consumer = reacting({
      name: 'test',
      // A feed that never yields and never looks at the signal.
      feed: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<FeedRound>>(() => undefined) }),
      }),
      checkpoints: memoryCheckpoints(),
      handle: async () => undefined,
      logger: silentLogger,
    });
    consumer.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    await consumer.stop();
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('stop() ends promptly while backing off', async () => {
    const consumer = reacting({
      name: 'test',
      feed: () => {
        throw new Error('always down');
      },
      checkpoints: memoryCheckpoints(),
      handle: async () => undefined,
      logger: silentLogger,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    consumer.start();
    await until(() => consumer.status().lastError !== undefined);
    const started = Date.now();
    await consumer.stop();
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('stop() mid-round drains: the event in hand finishes, the rest of the round is not handled nor checkpointed', async () => {
    const handled: bigint[] = [];
    const checkpoints = memoryCheckpoints();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const processing = reacting({
      name: 'test',
      feed: historyFeed([[event(1), event(2)]]),
      checkpoints,
      handle: async (e) => {
        if (e.position === 1n) await held;
        handled.push(e.position);
      },
      logger: silentLogger,
    });
    processing.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stopping = processing.stop();
    release();
    await stopping;
    expect(handled).toEqual([1n]);
    expect(checkpoints.saved).toEqual([]);
    expect(processing.status()).toMatchObject({ running: false, position: 0n });
  });

  it('reports its status and counters in one shape', async () => {
    let failures = 1;
    const processing = reacting({
      name: 'test',
      feed: historyFeed([[event(1), event(2)], [event(3)]]),
      checkpoints: memoryCheckpoints(),
      handle: async (e) => {
        if (e.position === 3n && failures-- > 0) throw new Error('database away');
      },
      logger: silentLogger,
      backoff: fast,
    });
    processing.start();
    await until(() => processing.status().position === 3n);
    expect(processing.status()).toEqual({
      name: 'test',
      running: true,
      position: 3n,
      counters: { rounds: 2, events: 3, roundSeconds: expect.any(Number), failures: 1, deadLettered: 0 },
    });
    await processing.stop();
  });

  it('dead-letters a round that keeps failing, checkpoints it and goes on', async () => {
    const deadLettered: bigint[] = [];
    const handled: bigint[] = [];
    const processing = reacting({
      name: 'test',
      feed: historyFeed([[event(1)], [event(2)], [event(3)]]),
      checkpoints: memoryCheckpoints(),
      handle: async (e) => {
        if (e.position === 2n) throw new Error('poison');
        handled.push(e.position);
      },
      deadLetter: {
        afterFailures: 2,
        record: async (events) => void deadLettered.push(...events.map((e) => e.position)),
      },
      logger: silentLogger,
      backoff: fast,
    });
    processing.start();
    await until(() => processing.status().position === 3n);
    await processing.stop();
    expect(deadLettered).toEqual([2n]);
    expect(handled).toEqual([1n, 3n]);
    expect(processing.status().counters).toMatchObject({ failures: 2, deadLettered: 1 });
  });
});

describe('processor with a session', () => {
  /** A session source that records what happens to its sessions; `lose()` takes the current one away. */
  function leases() {
    const log: string[] = [];
    let current: AbortController | undefined;
    let terms = 0;
    const sessions: ProcessorSessions = {
      acquire: async (): Promise<ProcessorSession> => {
        const term = ++terms;
        const lost = new AbortController();
        current = lost;
        log.push(`acquire ${term}`);
        return { lost: lost.signal, release: async () => void log.push(`release ${term}`) };
      },
    };
    return { sessions, log, lose: () => current?.abort(new Error('taken over')) };
  }

  it('consumes only while it holds the session, and releases it when stopped', async () => {
    const { sessions, log } = leases();
    const handled: bigint[] = [];
    const processing = reacting({
      name: 'test',
      feed: historyFeed([[event(1), event(2)]]),
      checkpoints: memoryCheckpoints(),
      session: sessions,
      handle: async (e) => void (log.push(`handle ${e.position}`), handled.push(e.position)),
      logger: silentLogger,
    });
    processing.start();
    await until(() => processing.status().position === 2n);
    await processing.stop();
    expect(log).toEqual(['acquire 1', 'handle 1', 'handle 2', 'release 1']);
  });

  it('when the session is lost mid-round, abandons the round (not checkpointed), releases the session and acquires it again at once, counting no failure', async () => {
    const { sessions, log, lose } = leases();
    const checkpoints = memoryCheckpoints();
    const handled: bigint[] = [];
    const processing = reacting({
      name: 'test',
      feed: historyFeed([[event(1)], [event(2)]]),
      checkpoints,
      session: sessions,
      handle: async (e) => {
        handled.push(e.position);
        // Lost while the round is in hand (a send that cannot be aborted): its end is not checkpointed.
        if (handled.length === 2) lose();
      },
      logger: silentLogger,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    processing.start();
    await until(() => processing.status().position === 2n);
    await processing.stop();
    expect(handled).toEqual([1n, 2n, 2n]);
    expect(checkpoints.saved).toEqual([1n, 2n]);
    expect(log).toEqual(['acquire 1', 'release 1', 'acquire 2', 'release 2']);
    expect(processing.status().counters).toMatchObject({ failures: 0 });
  });

  it('releases the session before backing off after a failure', async () => {
    const { sessions, log } = leases();
    let failures = 1;
    const processing = reacting({
      name: 'test',
      feed: historyFeed([[event(1)]]),
      checkpoints: memoryCheckpoints(),
      session: sessions,
      handle: async () => {
        if (failures-- > 0) throw new Error('broker away');
      },
      logger: { ...silentLogger, warn: () => void log.push('backing off') },
      backoff: fast,
    });
    processing.start();
    await until(() => processing.status().position === 1n);
    await processing.stop();
    expect(log).toEqual(['acquire 1', 'backing off', 'release 1', 'acquire 2', 'release 2']);
  });
});

describe('backoff', () => {
  it('waits between half and all of a step that doubles up to the cap, and starts over on reset', () => {
    const lowest = backoff({ initialMs: 100, maxMs: 400 }, () => 0);
    expect([lowest.next(), lowest.next(), lowest.next(), lowest.next()]).toEqual([50, 100, 200, 200]);
    lowest.reset();
    expect(lowest.next()).toBe(50);
    const highest = backoff({ initialMs: 100, maxMs: 400 }, () => 1);
    expect([highest.next(), highest.next(), highest.next()]).toEqual([100, 200, 400]);
  });

  it('spreads the waits of processors failing together', () => {
    const waits = new Set(Array.from({ length: 20 }, () => backoff({ initialMs: 1_000, maxMs: 1_000 }).next()));
    expect(waits.size).toBeGreaterThan(1);
  });
});
