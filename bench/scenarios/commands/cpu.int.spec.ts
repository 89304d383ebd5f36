import pg from 'pg';
import { expect, it } from 'vitest';
import { describeWithService } from '@order-engine/shared/testing';
import { cpuSeconds } from './cpu.js';

const postgresSeconds = async () => (await cpuSeconds(() => ''))?.get('postgres');

describeWithService('DATABASE_URL', 'cpuSeconds', (url) => {
  it('keeps the CPU of a PostgreSQL backend that ended before the second reading', async (context) => {
    const before = await postgresSeconds();
    // Only a server on this machine shows in /proc.
    if (before === undefined) return context.skip('PostgreSQL does not run on this machine');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const started = process.hrtime.bigint();
    await client.query('select count(*) from generate_series(1, 10000000)');
    const queryMs = Number(process.hrtime.bigint() - started) / 1e6;
    await client.end();
    // The postmaster reaps the backend a moment after the connection closes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const used = (await postgresSeconds())! - before;
    expect(used * 1_000).toBeGreaterThan(queryMs * 0.5);
  });
});
