import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshName } from '../testing/names.js';
import { WrongExpectedRevision } from './errors.js';
import type {
  EventStore,
  ExpectedRevision,
  GlobalPosition,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
  SubscribeOptions,
} from './event-store.js';

// The behaviour every EventStore adapter must have. Each adapter's *.int.spec.ts calls eventStoreContract.
//
// Tests only look at $all after the head they found at their start, and use stream ids with a fresh prefix, so a
// store that cannot be emptied per test (EventStoreDB) passes as long as nothing else writes to it meanwhile.
// A store may make an appended event visible in $all a moment after append() returns (PostgreSQL does, while an
// older writer is still committing), so $all reads first wait until the head has reached the appended position.

export type MakeEventStore = () => Promise<{ store: EventStore; cleanup?: () => Promise<void> }>;

export interface ContractOptions {
  /** makeStore returns an empty store (default true); false for a shared server such as EventStoreDB. */
  startsEmpty?: boolean;
}

export function eventStoreContract(name: string, makeStore: MakeEventStore, options: ContractOptions = {}): void {
  describe(`${name}: event-store contract`, () => {
    let store: EventStore;
    let cleanup: (() => Promise<void>) | undefined;
    /** $all head when the test started. */
    let start: GlobalPosition;
    /** A fresh stream id for this test. */
    let stream: (name: string) => string;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
      start = await store.headPosition();
      const prefix = freshName('t');
      stream = (suffix) => `${prefix}-${suffix}`;
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    /** Appends and waits until the events are visible in $all. */
    async function append(streamId: string, events: NewEvent[], expectedRevision?: ExpectedRevision) {
      const result = await store.append(
        streamId,
        events,
        expectedRevision === undefined ? undefined : { expectedRevision },
      );
      await visible(store, result.position);
      return result;
    }

    describe('append', () => {
      it('creates a stream with no_stream, starting at revision 0', async () => {
        const result = await store.append(stream('order-1'), [placed(1), placed(2)], { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(1);
        expect(result.events.map((e) => e.revision)).toEqual([0, 1]);
        expect(result.position).toBe(result.events[1]!.position);
        expect(await store.readStream(stream('order-1'))).toEqual(result.events);
      });

      it('appends after the expected revision of the last event', async () => {
        const first = await store.append(stream('order-1'), [placed(1)], { expectedRevision: 'no_stream' });
        const second = await store.append(stream('order-1'), [placed(2)], {
          expectedRevision: first.nextExpectedRevision,
        });
        expect(second.nextExpectedRevision).toBe(1);
        expect(second.position).toBeGreaterThan(first.position);
      });

      it("with 'any' (the default) appends whether or not the stream exists", async () => {
        await store.append(stream('order-1'), [placed(1)], { expectedRevision: 'any' });
        await store.append(stream('order-1'), [placed(2)]);
        const third = await store.append(stream('order-1'), [placed(3)], { expectedRevision: 'any' });
        expect(third.nextExpectedRevision).toBe(2);
      });

      it("with 'stream_exists' refuses a missing stream and appends to an existing one", async () => {
        await expectConflict(store.append(stream('order-1'), [placed(1)], { expectedRevision: 'stream_exists' }), -1);
        await store.append(stream('order-1'), [placed(1)]);
        const result = await store.append(stream('order-1'), [placed(2)], { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('refuses a wrong expected revision and reports the actual one', async () => {
        await expectConflict(store.append(stream('order-1'), [placed(1)], { expectedRevision: 0 }), -1);
        await store.append(stream('order-1'), [placed(1), placed(2)]);
        await expectConflict(store.append(stream('order-1'), [placed(3)], { expectedRevision: 'no_stream' }), 1);
        await expectConflict(store.append(stream('order-1'), [placed(3)], { expectedRevision: 0 }), 1);
        await expectConflict(store.append(stream('order-1'), [placed(3)], { expectedRevision: 5 }), 1);
      });

      it('writes nothing when it refuses an append', async () => {
        const first = await append(stream('order-1'), [placed(1)]);
        await expectConflict(
          store.append(stream('order-1'), [placed(2), placed(3)], { expectedRevision: 'no_stream' }),
          0,
        );
        expect(await store.readStream(stream('order-1'))).toEqual(first.events);
        expect(await store.readAll({ after: start })).toEqual(first.events);
        expect(await store.headPosition()).toBe(first.position);
      });

      it('refuses an empty append (a decision that produced no events has nothing to write)', async () => {
        await expect(store.append(stream('order-1'), [])).rejects.toThrow(RangeError);
        expect(await store.readStream(stream('order-1'))).toEqual([]);
      });

      it('round-trips event id, type, version, data and metadata', async () => {
        const eventId = randomUUID();
        const metadata = {
          correlationId: randomUUID(),
          causationId: randomUUID(),
          idempotencyKey: 'key-1',
          actor: 'ana',
        };
        const data = {
          orderId: 'o-1',
          lines: [{ sku: 'ß-Ω-1', quantity: 2, price: { amount: 1999, currency: 'EUR' } }],
          note: null,
          ok: true,
        };
        const before = Date.now();
        const [recorded] = (
          await store.append(stream('order-1'), [{ eventId, type: 'OrderPlaced', version: 3, data, metadata }])
        ).events;
        const [read] = await store.readStream(stream('order-1'));
        for (const event of [recorded!, read!]) {
          expect(event).toMatchObject({
            eventId,
            type: 'OrderPlaced',
            version: 3,
            streamId: stream('order-1'),
            revision: 0,
            data,
            metadata,
          });
          expect(typeof event.position).toBe('bigint');
          expect(event.recordedAt).toBeInstanceOf(Date);
          expect(Math.abs(event.recordedAt.getTime() - before)).toBeLessThan(60_000);
        }
        expect(read).toEqual(recorded);
      });

      it('gives events without metadata empty metadata, and unique fresh ids', async () => {
        const result = await store.append(stream('order-1'), [placed(1), placed(2), placed(3)]);
        const more = await store.append(stream('order-2'), [placed(4)]);
        const ids = [...result.events, ...more.events].map((e) => e.eventId);
        expect(new Set(ids).size).toBe(4);
        for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(result.events.map((e) => e.metadata)).toEqual([{}, {}, {}]);
      });

      it('gives strictly increasing positions across streams, in append order', async () => {
        const results = [];
        // More than 10 appends, so that positions with more digits come later (a text sort would not).
        for (let i = 0; i < 12; i++)
          results.push(
            await append(stream(i % 3 === 0 ? 'product-1' : `order-${i % 4}`), [placed(i), placed(i + 100)]),
          );
        const positions = results.flatMap((r) => r.events.map((e) => e.position));
        expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
        expect(positions[0]).toBeGreaterThan(start);
        expect((await store.readAll({ after: start })).map((e) => e.position)).toEqual(positions);
        expect(
          (await store.readAll({ after: start, filter: { streamPrefix: stream('order-') } })).map((e) => e.position),
        ).toEqual(
          results
            .filter((r) => r.events[0]!.streamId.includes('order-'))
            .flatMap((r) => r.events.map((e) => e.position)),
        );
      });
    });

    describe('readStream', () => {
      it('returns [] for a stream that does not exist', async () => {
        expect(await store.readStream(stream('nothing'))).toEqual([]);
      });

      it('reads from a revision, with a limit', async () => {
        await store.append(stream('order-1'), [0, 1, 2, 3, 4].map(placed));
        await store.append(stream('order-2'), [placed(9)]);
        const read = (options: { fromRevision?: number; limit?: number }) =>
          store.readStream(stream('order-1'), options).then((events) => events.map((e) => e.revision));
        expect(await read({})).toEqual([0, 1, 2, 3, 4]);
        expect(await read({ fromRevision: 2 })).toEqual([2, 3, 4]);
        expect(await read({ fromRevision: 1, limit: 2 })).toEqual([1, 2]);
        expect(await read({ fromRevision: 5 })).toEqual([]);
        expect((await store.readStream(stream('order-1'))).map((e) => (e.data as { n: number }).n)).toEqual([
          0, 1, 2, 3, 4,
        ]);
      });
    });

    describe('readAll and headPosition', () => {
      if (options.startsEmpty ?? true) {
        it('an empty store has head 0n and no events', async () => {
          expect(await store.headPosition()).toBe(0n);
          expect(await store.readAll()).toEqual([]);
        });
      }

      it('pages with after (exclusive), to (inclusive) and limit', async () => {
        await append(stream('order-1'), [placed(1), placed(2)]);
        await append(stream('product-1'), [stocked(3)]);
        const last = await append(stream('order-1'), [placed(4), placed(5)]);
        const all = await store.readAll({ after: start });
        expect(all.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4, 5]);
        expect(await store.headPosition()).toBe(last.position);

        const p = all.map((e) => e.position);
        expect(await store.readAll({ after: p[1] })).toEqual(all.slice(2));
        expect(await store.readAll({ after: start, to: p[2] })).toEqual(all.slice(0, 3));
        expect(await store.readAll({ after: p[0], to: p[3], limit: 2 })).toEqual(all.slice(1, 3));
        expect(await store.readAll({ after: start, limit: 0 })).toEqual([]);
        expect(await store.readAll({ after: p[4] })).toEqual([]);
      });

      it('agrees with readStream on every event', async () => {
        await append(stream('order-1'), [placed(1)]);
        await append(stream('order-2'), [placed(2), placed(3)]);
        const all = await store.readAll({ after: start });
        const streams = [
          ...(await store.readStream(stream('order-1'))),
          ...(await store.readStream(stream('order-2'))),
        ];
        expect(all).toEqual(streams);
      });

      it('filters by event types', async () => {
        await append(stream('order-1'), [placed(1), paid(2)]);
        await append(stream('product-1'), [stocked(3)]);
        await append(stream('order-1'), [placed(4)]);
        const read = (types: string[], limit?: number) =>
          store
            .readAll({ after: start, filter: { types }, limit })
            .then((events) => events.map((e) => (e.data as { n: number }).n));
        expect(await read(['OrderPlaced'])).toEqual([1, 4]);
        expect(await read(['OrderPaid', 'StockAdded'])).toEqual([2, 3]);
        expect(await read(['OrderPlaced', 'StockAdded'], 2)).toEqual([1, 3]);
        expect(await read(['Nothing'])).toEqual([]);
      });

      it('filters by stream prefix, taking _ and % literally', async () => {
        await append(stream('order-1'), [placed(1)]);
        await append(stream('product-1'), [stocked(2)]);
        await append(stream('a_b-1'), [stocked(3)]);
        await append(stream('axb-1'), [stocked(4)]);
        await append(stream('100%-1'), [stocked(5)]);
        await append(stream('1000-1'), [stocked(6)]);
        await append(stream('order-2'), [paid(7)]);
        const read = (streamPrefix: string, types?: string[]) =>
          store
            .readAll({ after: start, filter: { streamPrefix, types } })
            .then((events) => events.map((e) => (e.data as { n: number }).n));
        expect(await read(stream('order-'))).toEqual([1, 7]);
        expect(await read(stream('order-'), ['OrderPaid'])).toEqual([7]);
        expect(await read(stream('a_b'))).toEqual([3]);
        expect(await read(stream('100%'))).toEqual([5]);
        expect(await read(stream('nothing-'))).toEqual([]);
      });
    });

    describe('listStreams (stores that can list their streams)', () => {
      it('lists ids by prefix in byte order, with their last event, a page at a time; _ and % taken literally', async (test) => {
        if (!store.listStreams) test.skip('this store cannot list its streams');
        await append(stream('order-b'), [placed(1)]);
        await append(stream('order-a'), [placed(2), paid(3)]);
        await append(stream('a_b-1'), [stocked(4)]);
        await append(stream('axb-1'), [stocked(5)]);
        const last = await append(stream('order-b'), [paid(6)]);
        const list = (prefix: string, after?: string, limit = 10) =>
          store.listStreams!({ prefix, after, limit }).then((items) => items.map((s) => [s.streamId, s.revision]));
        expect(await list(stream('order-'))).toEqual([
          [stream('order-a'), 1],
          [stream('order-b'), 1],
        ]);
        expect(await list(stream('order-'), undefined, 1)).toEqual([[stream('order-a'), 1]]);
        expect(await list(stream('order-'), stream('order-a'))).toEqual([[stream('order-b'), 1]]);
        expect(await list(stream('a_b'))).toEqual([[stream('a_b-1'), 0]]);
        expect(await list(stream('nothing-'))).toEqual([]);
        const [orderB] = await store.listStreams!({ prefix: stream('order-b'), limit: 1 });
        expect(orderB?.position).toBe(last.position);
        expect(orderB?.recordedAt).toBeInstanceOf(Date);
      });
    });

    describe('readAll by recorded time', () => {
      it('reads from recordedFrom (inclusive) to recordedBefore (exclusive), at recordedAt precision', async () => {
        const [a, b, c] = (await appendApart([
          [stream('order-1'), [placed(1)]],
          [stream('product-1'), [stocked(2), stocked(3)]],
          [stream('order-1'), [placed(4)]],
        ])) as [Date, Date, Date];
        const read = (options: { recordedFrom?: Date; recordedBefore?: Date }) =>
          store.readAll({ after: start, ...options }).then(numbers);
        expect(await read({})).toEqual([1, 2, 3, 4]);
        expect(await read({ recordedFrom: b })).toEqual([2, 3, 4]);
        expect(await read({ recordedBefore: b })).toEqual([1]);
        expect(await read({ recordedFrom: b, recordedBefore: c })).toEqual([2, 3]);
        expect(await read({ recordedFrom: a, recordedBefore: a })).toEqual([]);
        expect(await read({ recordedFrom: new Date(c.getTime() + 1) })).toEqual([]);
        expect(await read({ recordedBefore: new Date(c.getTime() + 1) })).toEqual([1, 2, 3, 4]);
      });

      it('combines a time range with after, to, limit and the event filter', async () => {
        const [, b] = await appendApart([
          [stream('order-1'), [placed(1)]],
          [stream('product-1'), [stocked(2), stocked(3)]],
          [stream('order-1'), [placed(4), paid(5)]],
        ]);
        const all = await store.readAll({ after: start });
        const p = all.map((e) => e.position);
        const read = (options: ReadAllOptions) =>
          store.readAll({ after: start, recordedFrom: b, ...options }).then(numbers);
        expect(await read({ limit: 1 })).toEqual([2]);
        expect(await read({ after: p[1], limit: 2 })).toEqual([3, 4]);
        expect(await read({ to: p[3] })).toEqual([2, 3, 4]);
        expect(await read({ filter: { types: ['OrderPlaced', 'OrderPaid'] } })).toEqual([4, 5]);
        expect(await read({ filter: { streamPrefix: stream('order-') }, limit: 1 })).toEqual([4]);
      });
    });

    /**
     * Appends each group at a later millisecond than the one before; returns the recordedAt of each group's first
     * event as readStream reads it (events of one append need not share a time).
     */
    async function appendApart(groups: [string, NewEvent[]][]): Promise<Date[]> {
      const firsts: Date[] = [];
      let previousLast = new Date(0);
      for (const [streamId, events] of groups) {
        const { events: appended } = await append(streamId, events);
        const ids = new Set(appended.map((e) => e.eventId));
        const times = (await store.readStream(streamId)).filter((e) => ids.has(e.eventId)).map((e) => e.recordedAt);
        expect(times[0]! > previousLast, 'each group recorded later than the one before').toBe(true);
        firsts.push(times[0]!);
        previousLast = times[times.length - 1]!;
        // The next group must get a later millisecond; the store's clock may be another machine's, hence the margin.
        await sleep(25);
      }
      return firsts;
    }

    describe('subscribeToAll', () => {
      it('delivers existing events, then new ones, exactly once and in position order', async () => {
        await store.append(stream('order-1'), [placed(1), placed(2)]);
        await store.append(stream('product-1'), [stocked(3)]);
        const subscriber = subscribe(store, { after: start });
        await subscriber.waitFor(3);
        await store.append(stream('order-1'), [placed(4)]);
        await store.append(stream('order-2'), [placed(5), placed(6)]);
        await subscriber.waitFor(6);
        await settle();
        await subscriber.stop();

        expect(subscriber.events.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(subscriber.events).toEqual(await store.readAll({ after: start }));
      });

      it('resumes after a checkpoint', async () => {
        const first = await store.append(stream('order-1'), [placed(1), placed(2)]);
        await store.append(stream('order-1'), [placed(3)]);
        const subscriber = subscribe(store, { after: first.position });
        await subscriber.waitFor(1);
        await store.append(stream('order-2'), [placed(4)]);
        await subscriber.waitFor(2);
        await settle();
        await subscriber.stop();
        expect(subscriber.events.map((e) => (e.data as { n: number }).n)).toEqual([3, 4]);
      });

      it('honours type and stream-prefix filters', async () => {
        await store.append(stream('order-1'), [placed(1), paid(2)]);
        await store.append(stream('product-1'), [stocked(3)]);
        const subscriber = subscribe(store, {
          after: start,
          filter: { types: ['OrderPlaced'], streamPrefix: stream('order-') },
        });
        await subscriber.waitFor(1);
        await store.append(stream('product-1'), [placed(4)]);
        await store.append(stream('order-2'), [paid(5), placed(6)]);
        await subscriber.waitFor(2);
        await settle();
        await subscriber.stop();
        expect(subscriber.events.map((e) => (e.data as { n: number }).n)).toEqual([1, 6]);
      });

      it('hands over batches of at most batchSize events', async () => {
        await store.append(
          stream('order-1'),
          Array.from({ length: 7 }, (_, i) => placed(i)),
        );
        const subscriber = subscribe(store, { after: start, batchSize: 3 });
        await subscriber.waitFor(7);
        await subscriber.stop();
        expect(subscriber.batches.every((batch) => batch.length >= 1 && batch.length <= 3)).toBe(true);
        expect(subscriber.events).toHaveLength(7);
      });

      it('catches up page after page in order while the consumer is slow, and ends cleanly between pages', async () => {
        await store.append(
          stream('order-1'),
          Array.from({ length: 10 }, (_, i) => placed(i)),
        );
        const seen: number[] = [];
        let last = start;
        for await (const batch of store.subscribeToAll({ after: start, batchSize: 3 })) {
          seen.push(...batch.map((e) => (e.data as { n: number }).n));
          last = batch.at(-1)!.position;
          await sleep(20); // a slow consumer: the store must neither skip nor repeat a page meanwhile
          if (seen.length >= 9) break;
        }
        expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
        const rest = await store.readAll({ after: last });
        expect(rest.map((e) => (e.data as { n: number }).n)).toEqual([9]);
      });

      it('ends promptly when aborted while waiting for events, and when aborted before it starts', async () => {
        const subscriber = subscribe(store, { after: start });
        await sleep(100);
        const aborted = Date.now();
        await subscriber.stop();
        expect(Date.now() - aborted).toBeLessThan(1_000);

        const controller = new AbortController();
        controller.abort();
        const batches = [];
        for await (const batch of store.subscribeToAll({ signal: controller.signal })) batches.push(batch);
        expect(batches).toEqual([]);
      });

      it('ends its subscriptions on close()', async () => {
        const subscriber = subscribe(store, { after: start });
        await sleep(50);
        await store.close();
        await expect(withTimeout(subscriber.ended, 2_000)).resolves.toBeUndefined();
      });
    });

    describe('concurrent appenders', () => {
      it('exactly one of several appends at the same expected revision wins', async () => {
        await store.append(stream('order-1'), [placed(0)]);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            store.append(stream('order-1'), [placed(i + 1), placed(i + 100)], { expectedRevision: 0 }),
          ),
        );
        expectOneWinner(outcomes, 2);
        expect((await store.readStream(stream('order-1'))).map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it('exactly one of several no_stream appends creates the stream', async () => {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            store.append(stream('order-1'), [placed(i)], { expectedRevision: 'no_stream' }),
          ),
        );
        expectOneWinner(outcomes, 0);
      });

      it("concurrent 'any' appends all succeed with distinct, dense revisions", async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.append(stream('order-1'), [placed(i)])),
        );
        expect(results.map((r) => r.nextExpectedRevision).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        expect((await store.readStream(stream('order-1'))).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      });
    });
  });
}

const placed = (n: number): NewEvent => ({ type: 'OrderPlaced', version: 1, data: { n } });
const paid = (n: number): NewEvent => ({ type: 'OrderPaid', version: 1, data: { n } });
const stocked = (n: number): NewEvent => ({ type: 'StockAdded', version: 1, data: { n } });

/** The `n` of each event's data, in read order. */
const numbers = (events: RecordedEvent[]) => events.map((e) => (e.data as { n: number }).n);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for a duplicate or stray delivery (poll or notification) to show up. */
const settle = () => sleep(400);

async function expectConflict(append: Promise<unknown>, actual: number): Promise<void> {
  const error = await append.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevision);
  expect((error as WrongExpectedRevision).actual).toBe(actual);
}

/** One append succeeded; every other one was refused, seeing the winner's last revision. */
function expectOneWinner(outcomes: PromiseSettledResult<unknown>[], winnersRevision: number): void {
  expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
  for (const outcome of outcomes.filter((o) => o.status === 'rejected')) {
    expect(outcome.reason).toBeInstanceOf(WrongExpectedRevision);
    expect((outcome.reason as WrongExpectedRevision).actual).toBe(winnersRevision);
  }
}

/** Waits until $all's head has reached `position`. */
async function visible(store: EventStore, position: GlobalPosition): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await store.headPosition()) < position) {
    if (Date.now() > deadline) throw new Error(`position ${position} did not become visible in $all`);
    await sleep(5);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`timed out after ${ms}ms`)))]);
}

/** Runs a subscription in the background, collecting what it delivers. */
function subscribe(store: EventStore, options: SubscribeOptions) {
  const controller = new AbortController();
  const events: RecordedEvent[] = [];
  const batches: RecordedEvent[][] = [];
  const ended = (async () => {
    for await (const batch of store.subscribeToAll({ ...options, signal: controller.signal })) {
      batches.push(batch);
      events.push(...batch);
    }
  })();
  return {
    events,
    batches,
    ended,
    async waitFor(count: number): Promise<void> {
      const deadline = Date.now() + 10_000;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`subscription delivered ${events.length} of ${count} events`);
        await sleep(5);
      }
    },
    async stop(): Promise<void> {
      controller.abort();
      await ended;
    },
  };
}
