import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { pgSql, silentLogger, SqlUnavailable, type Sql } from '@order-engine/shared';
import { describeWithService, freshName } from '@order-engine/shared/testing';
import { postgresLease, relaySchema, type HeldLease } from './lease.js';
import { eventually } from './relay-testing.js';

describeWithService('DATABASE_URL', 'relay lease (PostgreSQL advisory lock)', (url) => {
  let sql: Sql;
  let prefix: string;
  const held: HeldLease[] = [];
  const stops: AbortController[] = [];

  beforeAll(() => {
    sql = pgSql(url);
  });
  afterAll(async () => {
    await sql.close();
  });
  beforeEach(() => {
    prefix = `${freshName('lease')}_`;
  });
  afterEach(async () => {
    stops.forEach((controller) => controller.abort());
    await Promise.all(held.map((lease) => lease.release()));
    held.length = 0;
    await sql.exec(`DROP SCHEMA IF EXISTS ${relaySchema(prefix)} CASCADE`);
  });

  const lease = () => postgresLease({ connectionString: url, prefix, pollIntervalMs: 100, logger: silentLogger });
  const acquire = async (name: string): Promise<HeldLease> => {
    const controller = new AbortController();
    stops.push(controller);
    const got = await lease().acquire(name, controller.signal);
    if (!got) throw new Error('not acquired');
    held.push(got);
    return got;
  };
  const storedCheckpoint = async (name: string) =>
    (
      await sql.query<{ position: string }>(
        `SELECT position::text AS position FROM ${relaySchema(prefix)}.checkpoints WHERE name = $1`,
        [name],
      )
    )[0]?.position;

  it('is held by one holder at a time; a standby takes it when the holder releases it', async () => {
    const first = await acquire('relay');
    let second: HeldLease | undefined;
    const standby = acquire('relay').then((got) => (second = got));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(second).toBeUndefined();
    // Another name is another lease.
    await acquire('other');

    const released = Date.now();
    await first.release();
    await standby;
    expect(second?.pid).not.toBe(first.pid);
    expect(Date.now() - released).toBeLessThan(1_000);
  });

  it('keeps a checkpoint per name that never moves backwards', async () => {
    const holder = await acquire('relay');
    expect(await holder.loadCheckpoint()).toBe(0n);
    await holder.saveCheckpoint(42n);
    await holder.saveCheckpoint(7n);
    expect(await holder.loadCheckpoint()).toBe(42n);
    await holder.release();
    expect(await (await acquire('relay')).loadCheckpoint()).toBe(42n);
  });

  it('fences a holder whose connection is terminated: it learns at once, cannot save, and a standby takes over', async () => {
    const holder = await acquire('relay');
    await holder.saveCheckpoint(10n);
    const standby = acquire('relay');

    await sql.query('SELECT pg_terminate_backend($1)', [holder.pid]);
    await eventually(() => expect(holder.lost.aborted).toBe(true), 2_000);
    await expect(holder.saveCheckpoint(99n)).rejects.toThrow(SqlUnavailable);
    expect(await storedCheckpoint('relay')).toBe('10');

    const successor = await standby;
    expect(await successor.loadCheckpoint()).toBe(10n);
  });

  it('stops waiting when its signal aborts, and reports an unreachable database', async () => {
    await acquire('relay');
    const controller = new AbortController();
    const waiting = lease().acquire('relay', controller.signal);
    setTimeout(() => controller.abort(), 150);
    await expect(waiting).resolves.toBeUndefined();

    const unreachable = postgresLease({
      connectionString: 'postgres://postgres@127.0.0.1:1/postgres',
      prefix,
      logger: silentLogger,
    });
    await expect(unreachable.acquire('relay', new AbortController().signal)).rejects.toThrow(SqlUnavailable);
  });
});
