import { grantReadersOf, pgSql, postgresEventStore, type Sql } from '@order-engine/shared';
import { describeWithService, freshName } from '@order-engine/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWith } from '../testing.js';

// `migrate` creates every schema the engine uses in PostgreSQL, idempotently, and --read-role a role that may only
// SELECT them (the query service's).

describe('migrate without PostgreSQL', () => {
  it('says there is nothing to migrate when everything is PGlite (the embedded engine migrates itself)', async () => {
    const run = await runWith(['migrate'], { env: { DATA_DIR: 'memory://' } });
    expect([run.code, run.stderr]).toEqual([1, expect.stringMatching(/^nothing to migrate in PostgreSQL/)]);
  });

  it('refuses an unsafe role name', async () => {
    const run = await runWith(['migrate', '--read-role', 'Robert"; drop'], { env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--read-role/);
  });
});

describeWithService('DATABASE_URL', 'migrate on PostgreSQL', (url) => {
  const id = freshName('mig');
  const role = freshName('reader');
  const env = {
    EVENT_STORE: 'postgres',
    READ_DB: 'postgres',
    DATABASE_URL: url,
    EVENT_STORE_SCHEMA: `${id}_events`,
    READ_MODEL_PREFIX: `${id}_`,
    DATA_DIR: 'memory://',
    READ_ROLE_PASSWORD: 's3cret',
  };
  let admin: Sql;
  let reader: Sql | undefined;
  const tables = async () =>
    (
      await admin.query<{ name: string }>(
        `select table_schema || '.' || table_name as name from information_schema.tables
          where table_schema like $1 order by 1`,
        [`${id}\\_%`],
      )
    ).map((row) => row.name.slice(id.length + 1));

  beforeAll(() => {
    admin = pgSql(url);
  });
  afterAll(async () => {
    await reader?.close();
    const schemas = await admin.query<{ nspname: string }>('select nspname from pg_namespace where nspname like $1', [
      `${id}\\_%`,
    ]);
    for (const { nspname } of schemas) await admin.exec(`drop schema ${nspname} cascade`);
    await admin.exec(`drop owned by ${role}`).catch(() => undefined);
    await admin.exec(`drop role if exists ${role}`);
    await admin.close();
  });

  it('creates the event store, the command storage, the admin tables and the read models; again, it changes nothing', async () => {
    const first = await runWith(['migrate'], { env });
    expect(first.code, first.stderr).toBe(0);
    const created = await tables();
    expect(created).toEqual(
      expect.arrayContaining([
        'events.events',
        'commands.idempotency_keys',
        'commands.checkpoints',
        'projections.checkpoints',
        'projections.projection_versions',
        'projections.rebuild_jobs',
        'catalog_v1.products',
        'orders_v1.orders',
        'sales_v1.sales_daily',
        'customers_v1.customer_summaries',
        'audit.entries',
      ]),
    );
    const again = await runWith(['migrate'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(await tables()).toEqual(created);
  });

  it('--read-role creates a role that reads every engine schema and writes none, and never prints its password', async () => {
    const run = await runWith(['migrate', '--read-role', role], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`read-only role ${role}`);
    expect(run.stderr).toMatch(new RegExp(`QUERY_DATABASE_URL=postgres://${role}:\\*\\*\\*@`));
    expect(run.stdout + run.stderr).not.toContain('s3cret');
    // Granting again is harmless.
    expect((await runWith(['migrate', '--read-role', role], { env })).code).toBe(0);

    const asReader = new URL(url);
    asReader.username = role;
    asReader.password = 's3cret';
    reader = pgSql(asReader.toString());
    const store = postgresEventStore(reader, { schema: env.EVENT_STORE_SCHEMA, readOnly: true });
    expect(await store.headPosition()).toBe(0n);
    await store.close();
    expect(await reader.query(`select projection from ${id}_projections.projection_versions`)).toHaveLength(4);
    for (const table of ['projections.checkpoints', 'catalog_v1.products', 'orders_v1.orders'])
      expect(await reader.query(`select * from ${id}_${table}`)).toEqual([]);
    await expect(
      reader.exec(`insert into ${id}_projections.checkpoints (projection, position) values ('x', 1)`),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(reader.exec(`delete from ${id}_events.events`)).rejects.toMatchObject({ code: '42501' });
    // The command service's own tables are not the query service's business.
    await expect(reader.query(`select * from ${id}_commands.idempotency_keys`)).rejects.toMatchObject({
      code: '42501',
    });

    // The audit log: it may add an entry (what it refuses), not read or change one.
    await reader.exec(
      `insert into ${id}_audit.entries (service, actor, method, route, path, status, outcome, address)
       values ('query-service', 'unknown', 'GET', '/orders/:id', '/orders/x', 401, 'refused', '127.0.0.1')`,
    );
    await expect(reader.query(`select * from ${id}_audit.entries`)).rejects.toMatchObject({ code: '42501' });
    await expect(reader.exec(`delete from ${id}_audit.entries`)).rejects.toMatchObject({ code: '42501' });

    // A table the writer adds later to a granted schema is readable too (default privileges)...
    await admin.exec(`create table ${id}_catalog_v1.later (id int)`);
    expect(await reader.query(`select * from ${id}_catalog_v1.later`)).toEqual([]);
    // ...and a rebuild's new version schema gets the admin schema's readers (what the projection service does).
    await admin.exec(`create schema ${id}_catalog_v2; create table ${id}_catalog_v2.products (sku text)`);
    await grantReadersOf(admin, `${id}_projections`, `${id}_catalog_v2`);
    expect(await reader.query(`select * from ${id}_catalog_v2.products`)).toEqual([]);
    await expect(reader.exec(`insert into ${id}_catalog_v2.products values ('x')`)).rejects.toMatchObject({
      code: '42501',
    });
  });
});
