import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WrongExpectedRevision } from '../event-store/errors.js';
import { postgresEventStore } from '../event-store/postgres/postgres-event-store.js';
import { freshName } from '../testing/names.js';
import { SqlUnavailable } from './pg-sql.js';
import { openPgliteWorker } from './pglite-worker-sql.js';
import type { Sql } from './sql.js';

// The Sql port over PGlite in a worker thread answers as pgliteSql does: same row types, same errors, same
// transaction semantics. One worker serves most tests (starting one takes seconds); each test has its own schema.

// Every worker the adapter spawns, so a test can kill one the way a crash would.
const workers = vi.hoisted(() => [] as Worker[]);
vi.mock('node:worker_threads', async (original) => {
  const threads = await original<typeof WorkerThreads>();
  class TrackedWorker extends threads.Worker {
    constructor(...args: ConstructorParameters<typeof threads.Worker>) {
      super(...args);
      workers.push(this);
    }
  }
  return { ...threads, Worker: TrackedWorker };
});

let shared: Promise<Sql> | undefined;
const connect = () => (shared ??= openPgliteWorker());
afterAll(async () => (await shared)?.close());

async function withSchema(test: (sql: Sql, schema: string) => Promise<void>): Promise<void> {
  const sql = await connect();
  const schema = freshName('pw');
  await sql.exec(`create schema ${schema}`);
  try {
    await test(sql, schema);
  } finally {
    await sql.exec(`drop schema ${schema} cascade`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PGlite in a worker thread', () => {
  it('returns rows typed as pgliteSql does: Date for timestamptz, objects for jsonb, strings for text, numbers for int', async () => {
    const sql = await connect();
    const rows = await sql.query(
      `select $1::timestamptz as at, $2::jsonb as data, $3::text as position, $4::int as n, $5::text as big`,
      ['2024-05-01T10:00:00Z', JSON.stringify({ sku: 'a', lines: [1, 2] }), '12', 7, 12345678901234567890n],
    );
    expect(rows).toEqual([
      {
        at: new Date('2024-05-01T10:00:00Z'),
        data: { sku: 'a', lines: [1, 2] },
        position: '12',
        n: 7,
        big: '12345678901234567890',
      },
    ]);
    expect(rows[0]?.at).toBeInstanceOf(Date);
  });

  it('runs several statements in one exec', () =>
    withSchema(async (sql, schema) => {
      await sql.exec(
        `create table ${schema}.t (id int primary key); insert into ${schema}.t values (1); insert into ${schema}.t values (2)`,
      );
      expect(await sql.query(`select id from ${schema}.t order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
    }));

  it('commits a transaction and returns what fn returns', () =>
    withSchema(async (sql, schema) => {
      await sql.exec(`create table ${schema}.t (id int primary key)`);
      const result = await sql.transaction(async (tx) => {
        await tx.query(`insert into ${schema}.t values ($1)`, [1]);
        await tx.exec(`insert into ${schema}.t values (2)`);
        return tx.query<{ n: number }>(`select count(*)::int as n from ${schema}.t`);
      });
      expect(result).toEqual([{ n: 2 }]);
      expect(await sql.query(`select count(*)::int as n from ${schema}.t`)).toEqual([{ n: 2 }]);
    }));

  it('rolls a transaction back when fn throws, and rethrows its error', () =>
    withSchema(async (sql, schema) => {
      await sql.exec(`create table ${schema}.t (id int primary key)`);
      const failing = sql.transaction(async (tx) => {
        await tx.query(`insert into ${schema}.t values (1)`);
        throw new Error('boom');
      });
      await expect(failing).rejects.toThrow('boom');
      const violating = sql.transaction(async (tx) => {
        await tx.query(`insert into ${schema}.t values (1)`);
        await tx.query(`insert into ${schema}.t values (1)`);
      });
      await expect(violating).rejects.toMatchObject({ code: '23505' });
      expect(await sql.query(`select count(*)::int as n from ${schema}.t`)).toEqual([{ n: 0 }]);
      // The lock was released: the next transaction runs.
      await sql.transaction((tx) => tx.query(`insert into ${schema}.t values (3)`));
      expect(await sql.query(`select id from ${schema}.t`)).toEqual([{ id: 3 }]);
    }));

  it('runs statements sent before its BEGIN is answered inside the transaction, in the order sent', () =>
    withSchema(async (sql, schema) => {
      await sql.exec(`create table ${schema}.t (id int primary key)`);
      const rolledBack = sql.transaction(async (tx) => {
        // Sent at once: none waits for the BEGIN's answer, nor for the one before it.
        const counts = await Promise.all([
          tx.query(`insert into ${schema}.t values (1)`),
          tx.query(`insert into ${schema}.t values (2)`),
          tx.query<{ n: number }>(`select count(*)::int as n from ${schema}.t`),
        ]);
        expect(counts[2]).toEqual([{ n: 2 }]);
        throw new Error('undo');
      });
      await expect(rolledBack).rejects.toThrow('undo');
      expect(await sql.query(`select count(*)::int as n from ${schema}.t`)).toEqual([{ n: 0 }]);
    }));

  it('plans a statement it runs again and again for the table as it is now, not as it was when first prepared', () =>
    withSchema(async (sql, schema) => {
      await sql.exec(`create table ${schema}.t (id text primary key, v int)`);
      const text = `select id, v from ${schema}.t where id in (select jsonb_array_elements_text($1::jsonb))`;
      for (let i = 0; i < 10; i++) await sql.query(text, [JSON.stringify(['k1', 'k2'])]);
      await sql.query(`insert into ${schema}.t select 'k' || n, n from generate_series(1, 50000) n`);
      const [prepared] = await sql.query<{ name: string }>(
        `select name from pg_prepared_statements where statement = $1`,
        [text],
      );
      const plan = await sql.query<{ 'QUERY PLAN': string }>(`explain execute ${prepared!.name}('["k1", "k2"]')`);
      expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Scan/);
    }));

  it('makes a query sent outside a running transaction wait until it ends', () =>
    withSchema(async (sql, schema) => {
      await sql.exec(`create table ${schema}.t (id int primary key)`);
      const steps: string[] = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const inside = new Promise<void>((resolve) => (started = resolve));
      const transaction = sql.transaction(async (tx) => {
        await tx.query(`insert into ${schema}.t values (1)`);
        started();
        await released;
        await tx.query(`insert into ${schema}.t values (2)`);
        steps.push('transaction');
      });
      await inside;
      const outside = sql.query<{ n: number }>(`select count(*)::int as n from ${schema}.t`).then((rows) => {
        steps.push('outside');
        return rows;
      });
      await sleep(100);
      expect(steps).toEqual([]);
      release();
      await transaction;
      expect(await outside).toEqual([{ n: 2 }]);
      expect(steps).toEqual(['transaction', 'outside']);
    }));

  it('keeps the PostgreSQL fields of an error: code, detail, constraint, schema, table', () =>
    withSchema(async (sql, schema) => {
      await sql.exec(`create table ${schema}.t (id int primary key)`);
      await sql.query(`insert into ${schema}.t values (1)`);
      const error = await sql.query(`insert into ${schema}.t values (1)`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({
        message: 'duplicate key value violates unique constraint "t_pkey"',
        code: '23505',
        detail: 'Key (id)=(1) already exists.',
        constraint: 't_pkey',
        schema,
        table: 't',
      });
      await expect(sql.query(`select * from ${schema}.missing`)).rejects.toMatchObject({ code: '42P01' });
    }));

  it('keeps the code, detail and where of an exception raised in plpgsql', async () => {
    const sql = await connect();
    await expect(sql.exec(`do $$ begin raise exception 'no stock for %', 'sku-1'; end $$`)).rejects.toMatchObject({
      message: 'no stock for sku-1',
      code: 'P0001',
      where: expect.stringContaining('PL/pgSQL'),
    });
    await expect(
      sql.exec(`do $$ begin raise exception using errcode = 'ES409', detail = '4', message = 'stream moved'; end $$`),
    ).rejects.toMatchObject({
      code: 'ES409',
      detail: '4',
    });
  });

  it('lets the event store tell a wrong expected revision (SQLSTATE ES409) from other errors', async () => {
    const sql = await connect();
    const schema = freshName('es');
    const store = postgresEventStore(sql, { schema });
    await store.append('order-1', [{ type: 'OrderPlaced', version: 1, data: {} }]);
    await expect(
      store.append('order-1', [{ type: 'OrderPaid', version: 1, data: {} }], { expectedRevision: 'no_stream' }),
    ).rejects.toBeInstanceOf(WrongExpectedRevision);
    await sql.exec(`drop schema ${schema} cascade`);
  });

  it('delivers notifications to listeners until they unlisten', async () => {
    const sql = await connect();
    const channel = freshName('ch');
    const received: string[] = [];
    const unlisten = await sql.listen(channel, (payload) => received.push(payload));
    await sql.query(`select pg_notify($1, $2)`, [channel, 'position 7']);
    await vi.waitFor(() => expect(received).toEqual(['position 7']));
    await unlisten();
    await sql.query(`select pg_notify($1, $2)`, [channel, 'position 8']);
    await sleep(100);
    expect(received).toEqual(['position 7']);
  });

  it('refuses every call after close', async () => {
    const sql = await openPgliteWorker();
    await sql.query('select 1');
    await sql.close();
    await expect(sql.query('select 1')).rejects.toThrow(/closed/);
    await expect(sql.transaction(async () => {})).rejects.toThrow(/closed/);
    await sql.close();
  });

  it('keeps data on a directory across close and reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pglite-worker-'));
    try {
      const dataDir = join(dir, 'nested', 'pglite');
      const first = await openPgliteWorker(dataDir);
      await first.exec(`create table kept (id int primary key); insert into kept values (42)`);
      await first.close();
      const second = await openPgliteWorker(dataDir);
      expect(await second.query('select id from kept')).toEqual([{ id: 42 }]);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails pending and later calls with SqlUnavailable when the worker dies', async () => {
    const before = workers.length;
    const sql = await openPgliteWorker();
    const worker = workers[before] as Worker;
    const pending = sql.query('select pg_sleep(2)');
    await sleep(50);
    await worker.terminate();
    await expect(pending).rejects.toBeInstanceOf(SqlUnavailable);
    await expect(sql.query('select 1')).rejects.toThrow(/PGlite worker exited/);
    await sql.close();
  });
});

// A text seen twice is prepared once and then only bound and executed (pglite-statements.ts): the answers must be
// the ones a fresh parse gives, whatever comes after.
describe('PGlite in a worker thread, running the same statement again', () => {
  const typed = `select $1::timestamptz as at, $2::jsonb as data, $3::int as n, $4::text as big, $5::text as none`;
  const params = (i: number) => [
    new Date(Date.UTC(2024, 4, 1, 10, 0, i)),
    JSON.stringify({ i }),
    i,
    10n ** 19n + BigInt(i),
    null,
  ];

  it('gives the same typed rows from its first run to its hundredth, inside transactions and out', async () => {
    const sql = await connect();
    const expected = (i: number) => [
      {
        at: new Date(Date.UTC(2024, 4, 1, 10, 0, i)),
        data: { i },
        n: i,
        big: (10n ** 19n + BigInt(i)).toString(),
        none: null,
      },
    ];
    for (let i = 0; i < 50; i++) expect(await sql.query(typed, params(i))).toEqual(expected(i));
    await sql.transaction(async (tx) => {
      for (let i = 50; i < 100; i++) expect(await tx.query(typed, params(i))).toEqual(expected(i));
    });
  });

  it('fails a run with the database error, code and detail, and runs again afterwards', async () => {
    await withSchema(async (sql, schema) => {
      await sql.exec(`create table ${schema}.t (id int primary key)`);
      const insert = `insert into ${schema}.t (id) values ($1) returning id`;
      expect(await sql.query(insert, [1])).toEqual([{ id: 1 }]);
      expect(await sql.query(insert, [2])).toEqual([{ id: 2 }]);
      await expect(sql.query(insert, [2])).rejects.toMatchObject({
        code: '23505',
        detail: 'Key (id)=(2) already exists.',
      });
      await expect(
        sql.transaction(async (tx) => {
          await tx.query(insert, [3]);
          await tx.query(insert, [1]);
        }),
      ).rejects.toMatchObject({ code: '23505' });
      expect(await sql.query(insert, [4])).toEqual([{ id: 4 }]);
      expect(await sql.query(`select id from ${schema}.t order by id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
    });
  });

  it('follows a table dropped and created again with other columns', async () => {
    await withSchema(async (sql, schema) => {
      const select = `select * from ${schema}.t`;
      await sql.exec(`create table ${schema}.t (id int)`);
      await sql.query(`insert into ${schema}.t values (1)`);
      expect(await sql.query(select)).toEqual([{ id: 1 }]);
      expect(await sql.query(select)).toEqual([{ id: 1 }]);
      await sql.exec(`drop table ${schema}.t; create table ${schema}.t (name text, at timestamptz)`);
      await sql.query(`insert into ${schema}.t values ('a', '2024-05-01T10:00:00Z')`);
      expect(await sql.query(select)).toEqual([{ name: 'a', at: new Date('2024-05-01T10:00:00Z') }]);
      expect(await sql.query(select)).toEqual([{ name: 'a', at: new Date('2024-05-01T10:00:00Z') }]);
    });
  });
});
