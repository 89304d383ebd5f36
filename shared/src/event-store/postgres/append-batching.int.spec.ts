import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgSql } from '../../sql/pg-sql.js';
import type { Sql } from '../../sql/sql.js';
import { freshName } from '../../testing/names.js';
import { sharedPglite } from '../../testing/pglite.js';
import { describeWithService } from '../../testing/services.js';
import { WrongExpectedRevision } from '../errors.js';
import type { EventStore, NewEvent, RecordedEvent } from '../event-store.js';
import { postgresEventStore } from './postgres-event-store.js';

// Concurrent appends through one store share calls of append_events (async/coalescer.ts). What a caller sees must
// not change: each append is checked, written and answered on its own, as if it had been sent alone.

const pglite = sharedPglite();
describe('batched appends on PGlite', () => batchingSpec(pglite));

describeWithService('DATABASE_URL', 'batched appends on PostgreSQL', (url) => {
  let sql: Sql | undefined;
  afterAll(async () => sql?.close());
  batchingSpec(async () => (sql ??= pgSql(new pg.Pool({ connectionString: url, max: 8 }))));
});

const placed = (n: number, eventId?: string): NewEvent => ({ eventId, type: 'OrderPlaced', version: 1, data: { n } });

type StoreOptions = { listen?: boolean; appendConcurrency?: number; singleProcess?: boolean };

/** The store over sql, counting the append_events calls it makes (and its NOTIFYs and LISTENs in `others`). */
function countingStore(sql: Sql, schema: string, options: StoreOptions = {}) {
  let calls = 0;
  let others = 0;
  let heads = 0;
  let reads = 0;
  const counted: Sql = {
    ...sql,
    query: (text, params) => {
      if (text.includes('append_events')) calls++;
      if (text.includes('pg_notify')) others++;
      if (text.includes('coalesce(max(position), 0)')) heads++;
      if (text.includes('revision >= ')) reads++;
      return sql.query(text, params);
    },
    // listen: false leaves only the in-process wake-up.
    listen: (channel, onNotify) => {
      others++;
      return options.listen === false ? Promise.resolve(async () => {}) : sql.listen(channel, onNotify);
    },
  };
  const { appendConcurrency, singleProcess } = options;
  const store = postgresEventStore(counted, { schema, pollIntervalMs: 60_000, appendConcurrency, singleProcess });
  return { store, calls: () => calls, others: () => others, heads: () => heads, reads: () => reads };
}

function batchingSpec(connect: () => Promise<Sql>): void {
  async function withStore(
    body: (store: EventStore, calls: () => number, others: () => number) => Promise<void>,
    options?: StoreOptions,
  ) {
    const sql = await connect();
    const schema = freshName('es');
    const { store, calls, others } = countingStore(sql, schema, options);
    await store.headPosition();
    try {
      await body(store, calls, others);
    } finally {
      await store.close();
      await sql.exec(`drop schema ${schema} cascade`);
    }
  }

  it('coalesces concurrent appends into fewer calls, and every stream reads back exactly what its appends answered', () =>
    withStore(async (store, calls) => {
      const before = calls();
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => store.append(`order-${i % 12}`, [placed(i), placed(i + 1000)])),
      );
      expect(calls() - before).toBeLessThan(60);
      for (let s = 0; s < 12; s++) {
        const answered = results.filter((_, i) => i % 12 === s).flatMap((r) => r.events);
        expect(await store.readStream(`order-${s}`)).toEqual([...answered].sort((a, b) => a.revision - b.revision));
        expect(answered.map((e) => e.revision).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
        const byRevision = [...answered].sort((a, b) => a.revision - b.revision).map((e) => e.position);
        expect(byRevision).toEqual([...byRevision].sort((a, b) => (a < b ? -1 : 1)));
      }
      // Positions are unique across the store.
      const positions = results.flatMap((r) => r.events.map((e) => e.position));
      expect(new Set(positions).size).toBe(120);
    }));

  it('sends concurrent stream reads together, each answered as a read of its own would be', async () => {
    const sql = await connect();
    const schema = freshName('es');
    const { store, reads } = countingStore(sql, schema);
    try {
      for (let i = 0; i < 30; i++) await store.append(`order-${i % 6}`, [placed(i)]);
      const asked = Array.from({ length: 40 }, (_, i) => ({
        streamId: `order-${i % 8}`,
        fromRevision: i % 4,
        limit: i % 3 === 0 ? 2 : undefined,
      }));
      const alone: RecordedEvent[][] = [];
      for (const { streamId, ...options } of asked) alone.push(await store.readStream(streamId, options));
      const before = reads();
      const together = await Promise.all(asked.map(({ streamId, ...options }) => store.readStream(streamId, options)));
      expect(together).toEqual(alone);
      expect(reads() - before).toBeLessThan(asked.length / 2);
      // Streams 6 and 7 do not exist; the others hold revisions 0..4, read from fromRevision, at most limit of them.
      expect(alone.map((events) => events.length)).toEqual(
        asked.map(({ streamId, fromRevision, limit }) =>
          streamId >= 'order-6' ? 0 : Math.min(5 - fromRevision, limit ?? 5),
        ),
      );
    } finally {
      await store.close();
      await sql.exec(`drop schema ${schema} cascade`);
    }
  });

  // One call in flight: the first append goes alone, the next three wait and share the following call.
  it('appends to one stream in one call in call order, each after the one before', () =>
    withStore(
      async (store, calls) => {
        const blocker = store.append('order-0', [placed(-1)]);
        const first = store.append('order-1', [placed(0)]);
        const [, , a, b, c] = await Promise.all([
          blocker,
          first,
          store.append('order-1', [placed(1)], { expectedRevision: 0 }),
          store.append('order-1', [placed(2)], { expectedRevision: 'stream_exists' }),
          store.append('order-1', [placed(3)], { expectedRevision: 'any' }),
        ]);
        expect([a, b, c].map((r) => r.nextExpectedRevision)).toEqual([1, 2, 3]);
        expect((await store.readStream('order-1')).map((e) => e.data)).toEqual([
          { n: 0 },
          { n: 1 },
          { n: 2 },
          { n: 3 },
        ]);
        expect(calls()).toBe(2);
      },
      { appendConcurrency: 1 },
    ));

  it('refuses only the append whose stream is elsewhere; the others in its call are written', () =>
    withStore(async (store) => {
      await store.append('order-x', [placed(0), placed(1)]);
      const outcomes = await Promise.allSettled([
        store.append('order-a', [placed(1)], { expectedRevision: 'no_stream' }),
        store.append('order-x', [placed(2)], { expectedRevision: 0 }),
        store.append('order-b', [placed(3)], { expectedRevision: 'no_stream' }),
        store.append('order-x', [placed(4)], { expectedRevision: 'no_stream' }),
        store.append('order-c', [placed(5)]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      const refused = outcomes
        .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
        .map((o) => o.reason as WrongExpectedRevision);
      expect(
        refused.every((e) => e instanceof WrongExpectedRevision && e.actual === 1 && e.streamId === 'order-x'),
      ).toBe(true);
      expect((await store.readStream('order-x')).map((e) => e.data)).toEqual([{ n: 0 }, { n: 1 }]);
      for (const s of ['order-a', 'order-b', 'order-c']) expect(await store.readStream(s)).toHaveLength(1);
    }));

  it('lets exactly one of many concurrent no_stream appends to the same stream win', () =>
    withStore(async (store) => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.append('order-new', [placed(i)], { expectedRevision: 'no_stream' })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(
        outcomes
          .filter((o) => o.status === 'rejected')
          .every((o) => (o as PromiseRejectedResult).reason instanceof WrongExpectedRevision),
      ).toBe(true);
      expect(await store.readStream('order-new')).toHaveLength(1);
    }));

  it('fails only the caller whose event id is taken; the appends sent with it are written', () =>
    withStore(async (store) => {
      const taken = randomUUID();
      await store.append('order-1', [placed(0, taken)]);
      const outcomes = await Promise.allSettled([
        store.append('order-2', [placed(1)]),
        store.append('order-3', [placed(2)]),
        store.append('order-4', [placed(3, taken)]),
        store.append('order-5', [placed(4)]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(await store.readStream('order-4')).toEqual([]);
      for (const s of ['order-2', 'order-3', 'order-5']) expect(await store.readStream(s)).toHaveLength(1);
    }));

  it('keeps every append of two stores (two processes) racing on the same streams, with contiguous revisions', async () => {
    const sql = await connect();
    const schema = freshName('es');
    const [one, two] = [postgresEventStore(sql, { schema }), postgresEventStore(sql, { schema })];
    await one.headPosition();
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 80 }, (_, i) =>
          (i % 2 ? one : two).append(`order-${i % 4}`, [placed(i), placed(i + 100)], {
            expectedRevision: i % 3 === 0 ? 'any' : 'stream_exists',
          }),
        ),
      );
      // stream_exists may be refused only while the stream does not exist yet.
      const refused = outcomes
        .filter((o) => o.status === 'rejected')
        .map((o) => (o as PromiseRejectedResult).reason as WrongExpectedRevision);
      expect(refused.every((e) => e instanceof WrongExpectedRevision && e.actual === -1)).toBe(true);
      const written = outcomes.filter((o) => o.status === 'fulfilled').length;
      const streams = await Promise.all([0, 1, 2, 3].map((s) => one.readStream(`order-${s}`)));
      expect(streams.flat()).toHaveLength(written * 2);
      for (const events of streams) expect(events.map((e) => e.revision)).toEqual([...events.keys()]);
    } finally {
      await Promise.all([one.close(), two.close()]);
      await sql.exec(`drop schema ${schema} cascade`);
    }
  });

  it('an unfiltered subscription reads its pages without the head (each read returns only settled events); a filtered one takes the head', async () => {
    const sql = await connect();
    const schema = freshName('es');
    const { store, heads } = countingStore(sql, schema);
    try {
      await store.append('order-1', [placed(1), placed(2)]);
      const firstBatch = async (filter?: { types: string[] }) => {
        const before = heads();
        const controller = new AbortController();
        const subscription = store.subscribeToAll({ signal: controller.signal, filter })[Symbol.asyncIterator]();
        const next = await subscription.next();
        controller.abort();
        await subscription.return?.();
        return { events: (next.value as RecordedEvent[]).map((e) => e.data), heads: heads() - before };
      };
      const unfiltered = await firstBatch();
      expect(unfiltered.events).toEqual([{ n: 1 }, { n: 2 }]);
      expect(unfiltered.heads).toBe(0);
      const filtered = await firstBatch({ types: ['OrderPlaced'] });
      expect(filtered.events).toEqual([{ n: 1 }, { n: 2 }]);
      expect(filtered.heads).toBeGreaterThan(0);
    } finally {
      await store.close();
      await sql.exec(`drop schema ${schema} cascade`);
    }
  });

  for (const singleProcess of [false, true]) {
    it(`wakes a caught-up subscriber of the same store in process, without NOTIFY or a poll${singleProcess ? ', and as a single process sends no NOTIFY nor LISTENs' : ''}`, () =>
      withStore(
        async (store, _calls, others) => {
          const controller = new AbortController();
          const subscription = store.subscribeToAll({ signal: controller.signal })[Symbol.asyncIterator]();
          const next = subscription.next();
          await new Promise((resolve) => setTimeout(resolve, 200)); // caught up, waiting (the poll is 60 s)
          await store.append('order-1', [placed(1)]);
          const timeout = new Promise((resolve) => setTimeout(() => resolve('not woken within 3 s'), 3_000));
          const delivered = (await Promise.race([next, timeout])) as IteratorResult<RecordedEvent[]> | string;
          expect(
            typeof delivered === 'string' ? delivered : (delivered.value as RecordedEvent[]).map((e) => e.data),
          ).toEqual([{ n: 1 }]);
          controller.abort();
          await subscription.return?.();
          await store.close(); // sends what is pending
          if (singleProcess) expect(others()).toBe(0);
          else expect(others()).toBeGreaterThanOrEqual(2); // one LISTEN, at least one NOTIFY
        },
        { listen: false, singleProcess },
      ));
  }
}
