import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { encodeEvent, openPglite, pgSql, postgresEventStore, type Sql } from '@order-engine/shared';
import { describeWithService, freshName } from '@order-engine/shared/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { confirmed, placed } from '../query-service/src/history/testing/domain-events.js';
import { openConfiguredEventStore } from './event-store.js';
import { runWith, scratchDirectory } from './testing.js';

// The CLI opens the event store the configuration names, as the engine does; on PGlite it refuses a directory
// another process (`npm start`) has open, since PGlite does not lock it and two processes would corrupt it.

const cliRoot = resolve(import.meta.dirname, '..');
const exportWith = (env: Record<string, string>) =>
  runWith(['history', 'export'], { openEventStore: () => openConfiguredEventStore(env) });

/** Appends an order and waits until $all shows it (on a shared server, other transactions can hold it back a moment). */
async function appendOrder(sql: Sql, schema = 'eventstore') {
  const store = postgresEventStore(sql, { schema });
  const { position } = await store.append('order-o-1', [
    encodeEvent(placed('o-1', 'lamp', 1, 2500)),
    encodeEvent(confirmed('o-1')),
  ]);
  const deadline = Date.now() + 10_000;
  while ((await store.headPosition()) < position && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 5));
  await store.close();
}

describe('the CLI on PGlite', () => {
  it('exports from the data directory when no other process has it open', async () => {
    const dataDir = scratchDirectory();
    const sql = await openPglite(join(dataDir, 'pglite'));
    await appendOrder(sql);
    await sql.close();

    const run = await exportWith({ DATA_DIR: dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).type),
    ).toEqual(['OrderPlaced', 'OrderConfirmed']);
  });

  it('refuses a data directory another process has open, and says what to do', async () => {
    const dataDir = scratchDirectory();
    const engine = await openPglite(join(dataDir, 'pglite')); // as `npm start` holds it
    try {
      await appendOrder(engine);
      const run = await exportWith({ DATA_DIR: dataDir });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/in use by another process \(is `npm start` running\?\)/);
      expect(run.stderr).toMatch(/EVENT_STORE=postgres/);
      expect(run.stderr).toMatch(/postmaster\.pid/);
    } finally {
      await engine.close();
    }
  });

  it('refuses a directory without an event store, and an in-memory one, instead of reading an empty store', async () => {
    const missing = await exportWith({ DATA_DIR: join(scratchDirectory(), 'nothing') });
    expect([missing.code, missing.stderr]).toEqual([
      1,
      expect.stringMatching(/^no event store in .*nothing\/pglite: start the engine once/),
    ]);
    const inMemory = await exportWith({ DATA_DIR: 'memory://' });
    expect([inMemory.code, inMemory.stderr]).toEqual([
      1,
      expect.stringMatching(/DATA_DIR=memory:\/\/ keeps nothing between processes/),
    ]);
  });

  it('reports a configuration error plainly', async () => {
    const run = await exportWith({ EVENT_STORE: 'postgres' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/invalid configuration:\n {2}- DATABASE_URL: required/);
  });

  it('runs as `npm run cli` does: main.ts wires the process, exits 1 with the message, and 0 once the engine stopped', async () => {
    const dataDir = scratchDirectory();
    const engine = await openPglite(join(dataDir, 'pglite'));
    await appendOrder(engine);
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
        cwd: cliRoot,
        env: { ...process.env, DATA_DIR: dataDir, INIT_CWD: dataDir },
      }).then(
        (done) => ({ code: 0, ...done }),
        (failed: { code: number; stdout: string; stderr: string }) => failed,
      );
    const refused = await cli('history', 'show', 'order', 'o-1');
    await engine.close();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/in use by another process/);

    const shown = await cli('history', 'show', 'order', 'o-1', '--revision', '0');
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ streamId: 'order-o-1', revision: 0, state: { status: 'placed' } });
  });
});

describeWithService('DATABASE_URL', 'the CLI on PostgreSQL', (url) => {
  const schema = freshName('es');
  let sql: Sql | undefined;
  afterAll(async () => {
    await sql?.exec(`drop schema if exists ${schema} cascade`);
    await sql?.close();
  });

  it('exports from the configured schema, while other processes may use the database', async () => {
    sql = pgSql(url);
    await appendOrder(sql, schema);
    const run = await exportWith({
      EVENT_STORE: 'postgres',
      DATABASE_URL: url,
      EVENT_STORE_SCHEMA: schema,
      DATA_DIR: 'memory://',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).streamId),
    ).toEqual(['order-o-1', 'order-o-1']);
  });
});
