import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { pgSql } from '../sql/pg-sql.js';
import type { Sql } from '../sql/sql.js';
import { freshName } from '../testing/names.js';
import { sharedPglite } from '../testing/pglite.js';
import { describeWithService } from '../testing/services.js';
import { auditSchema, grantAuditAppend, migrateAuditLog, sqlAuditLog, type NewAuditEntry } from './audit-log.js';

const entry = (fields: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  service: 'command-service',
  actor: 'ops',
  role: 'operator',
  onBehalfOf: null,
  method: 'POST',
  route: '/products/:sku/price',
  path: '/products/SKU-1/price',
  status: 200,
  detail: null,
  address: '127.0.0.1',
  correlationId: null,
  ...fields,
});

function auditLogSpec(connect: () => Promise<Sql>) {
  const logged: string[] = [];
  const logger = createLogger('warn', {}, (line) => logged.push(line));

  async function fresh() {
    const sql = await connect();
    const prefix = `${freshName('au')}_`;
    await migrateAuditLog(sql, prefix);
    return { sql, prefix, log: sqlAuditLog(sql, { prefix, logger }) };
  }

  it('keeps what was recorded, newest first, with the outcome its status says', async () => {
    const { log } = await fresh();
    log.record(entry({ status: 201 }));
    await log.flush();
    log.record(entry({ actor: 'unknown', role: null, status: 401, detail: 'invalid credentials' }));
    await log.flush();
    log.record(entry({ status: 422, detail: 'still failing' }));
    await log.flush();
    log.record(entry({ status: 499 }));
    await log.flush();

    const page = await log.page({ limit: 10 });
    expect(page.map((e) => [e.status, e.outcome])).toEqual([
      [499, 'aborted'],
      [422, 'failed'],
      [401, 'refused'],
      [201, 'done'],
    ]);
    expect(page[2]).toMatchObject({ actor: 'unknown', role: null, detail: 'invalid credentials' });
    expect(Date.parse(page[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(BigInt(page[0]!.id)).toBeGreaterThan(BigInt(page[1]!.id));
  });

  it('filters by actor, role, outcome, service, method, route and time, and pages with a cursor', async () => {
    const { log } = await fresh();
    // Eleven: ids past 9 and 10 must order as numbers.
    for (let i = 0; i < 11; i++) log.record(entry({ actor: 'ops', path: `/products/S-${i}/price` }));
    log.record(entry({ actor: 'intruder', role: 'client', status: 403, route: '/projections/:name/rebuild' }));
    log.record(entry({ service: 'query-service', method: 'GET', route: '/orders/:id', actor: 'unknown', role: null }));
    await log.flush();

    expect((await log.page({ limit: 50, actor: 'intruder' })).map((e) => e.route)).toEqual([
      '/projections/:name/rebuild',
    ]);
    expect(await log.page({ limit: 50, role: 'client' })).toHaveLength(1);
    expect(await log.page({ limit: 50, outcome: 'refused' })).toHaveLength(1);
    expect(await log.page({ limit: 50, service: 'query-service' })).toHaveLength(1);
    expect(await log.page({ limit: 50, method: 'GET' })).toHaveLength(1);
    expect(await log.page({ limit: 50, route: '/products/:sku/price' })).toHaveLength(11);
    expect(await log.page({ limit: 50, since: new Date(Date.now() + 60_000) })).toHaveLength(0);
    expect(await log.page({ limit: 50, until: new Date(Date.now() + 60_000) })).toHaveLength(13);

    const first = await log.page({ limit: 6, route: '/products/:sku/price' });
    const second = await log.page({ limit: 6, route: '/products/:sku/price', before: first.at(-1)!.id });
    // Written at once over several connections, so in any order: the two pages hold each once, newest first.
    const ids = [...first, ...second].map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a > b ? -1 : 1)));
    expect(new Set([...first, ...second].map((e) => e.path))).toEqual(
      new Set(Array.from({ length: 11 }, (_, i) => `/products/S-${i}/price`)),
    );
  });

  it('migrates twice, and from two callers at once', async () => {
    const { sql, prefix, log } = await fresh();
    await Promise.all([migrateAuditLog(sql, prefix), migrateAuditLog(sql, prefix)]);
    log.record(entry());
    await log.flush();
    expect(await log.page({ limit: 5 })).toHaveLength(1);
  });

  it('logs an entry it cannot write, whole, instead of losing it or failing the caller', async () => {
    const sql = await connect();
    const log = sqlAuditLog(sql, { prefix: `${freshName('au')}_`, logger }); // never migrated
    logged.length = 0;
    log.record(entry({ actor: 'ops-who-must-be-found' }));
    await log.flush();
    expect(logged.join('\n')).toMatch(/could not write an entry.*ops-who-must-be-found/);
  });
}

const pglite = sharedPglite();
describe('audit log on PGlite', () => auditLogSpec(pglite));

describeWithService('DATABASE_URL', 'audit log on PostgreSQL', (url) => {
  let sql: Sql | undefined;
  const connect = async () => (sql ??= pgSql(new pg.Pool({ connectionString: url, max: 4 })));
  afterAll(async () => sql?.close());
  auditLogSpec(connect);

  it('lets a role granted append only insert entries, and neither read, change nor delete them', async () => {
    const owner = await connect();
    const prefix = `${freshName('au')}_`;
    const role = freshName('audit_appender');
    await migrateAuditLog(owner, prefix);
    await owner.exec(`create role ${role} login noinherit`);
    const asRole = new URL(url);
    asRole.username = role;
    asRole.password = '';
    const appender = pgSql(new pg.Pool({ connectionString: asRole.toString(), max: 1 }));
    try {
      await grantAuditAppend(owner, role, prefix);
      const log = sqlAuditLog(appender, { prefix, logger: createLogger('silent') });
      log.record(entry({ actor: 'written-by-the-reader' }));
      await log.flush();
      const schema = auditSchema(prefix);
      expect((await owner.query(`select actor from ${schema}.entries`)).map((row) => row.actor)).toEqual([
        'written-by-the-reader',
      ]);
      for (const statement of [
        `select * from ${schema}.entries`,
        `update ${schema}.entries set actor = 'someone-else'`,
        `delete from ${schema}.entries`,
      ])
        await expect(appender.query(statement), statement).rejects.toMatchObject({ code: '42501' });
    } finally {
      await appender.close();
      await owner.exec(`drop schema ${auditSchema(prefix)} cascade; drop role ${role}`);
    }
  });
});
