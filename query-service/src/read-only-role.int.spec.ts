import {
  apiKeys,
  auditSchema,
  createLogger,
  grantAuditAppend,
  migrateAuditLog,
  parseApiKeys,
  createReadOnlyRole,
  encodeEvent,
  grantReadOnly,
  listen,
  memoryCache,
  migrateEventStore,
  NO_AUTH,
  pgSql,
  postgresEventStore,
  readModelSchemas,
  type RunningServer,
  type Sql,
} from '@order-engine/shared';
import { describeWithService, freshName } from '@order-engine/shared/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createQueryService, type QueryService } from './app.js';
import { confirmed, placed, registered } from './history/testing/domain-events.js';
import {
  aProduct,
  anOrder,
  createReadModelTables,
  dropReadModelSchemas,
  insertOrder,
  insertProduct,
  setCheckpoint,
} from './testing/index.js';

// Least privilege: the query service answers every kind of query while connected as a role that may only SELECT
// (what `npm run cli -- migrate --read-role` grants, and QUERY_DATABASE_URL names), and that role cannot write.

const logger = createLogger(process.env.LOG_LEVEL === 'debug' ? 'debug' : 'silent');

describeWithService('DATABASE_URL', 'the query service as a SELECT-only role (PostgreSQL)', (url) => {
  const prefix = `${freshName('ro')}_`;
  const eventSchema = `${prefix}events`;
  const schemas = readModelSchemas(prefix);
  const role = freshName('reader');
  let admin: Sql;
  let reader: Sql;
  let service: QueryService;
  let server: RunningServer;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}${path}`, { headers });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  };

  beforeAll(async () => {
    // The writers' side, as the superuser: the schemas, some events and the read-model rows they project to.
    admin = pgSql(url);
    await migrateEventStore(admin, eventSchema);
    const writer = postgresEventStore(admin, { schema: eventSchema });
    await writer.append('product-LAMP', [encodeEvent(registered('LAMP', 2500))]);
    const { position } = await writer.append('order-ORD-1', [
      encodeEvent(placed('ORD-1', 'LAMP', 1, 2500)),
      encodeEvent(confirmed('ORD-1')),
    ]);
    await writer.close();
    await createReadModelTables(admin, schemas);
    await migrateAuditLog(admin, prefix);
    await insertProduct(admin, schemas.catalog, aProduct({ sku: 'LAMP', name: 'Lamp', priceCents: 2500 }), position);
    await insertOrder(admin, schemas.orders, anOrder({ orderId: 'ORD-1', status: 'confirmed' }), position);
    for (const projection of [schemas.catalog, schemas.orders, schemas.sales, schemas.customers])
      await setCheckpoint(admin, schemas.admin, projection, position);

    // The reader: a fresh role with USAGE and SELECT on those schemas, and nothing else.
    await createReadOnlyRole(admin, role);
    await grantReadOnly(admin, role, [eventSchema, ...Object.values(schemas)]);
    await grantAuditAppend(admin, role, prefix);
    const asReader = new URL(url);
    asReader.username = role;
    asReader.password = '';
    reader = pgSql(asReader.toString());
    service = createQueryService({
      access: NO_AUTH,
      readDb: reader,
      eventStore: postgresEventStore(reader, { schema: eventSchema, readOnly: true }),
      cache: memoryCache({ maxEntries: 100 }),
      prefix,
      logger,
      readYourWritesTimeoutMs: 1_000,
      checkpointPollMs: 10,
    });
    server = await listen(service.app, { host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await service?.close();
    await reader?.close();
    if (!admin) return;
    await dropReadModelSchemas(admin, schemas);
    await admin.exec(`drop schema if exists ${auditSchema(prefix)} cascade`);
    await admin.exec(`drop schema if exists ${eventSchema} cascade`);
    // drop owned revokes the role's privileges and default privileges, which drop role would otherwise refuse.
    await admin.exec(`drop owned by ${role}`).catch(() => undefined);
    await admin.exec(`drop role if exists ${role}`);
    await admin.close();
  });

  it('connects as the read-only role, not as a superuser', async () => {
    const [who] = await reader.query<{ user: string; superuser: string }>(
      `select current_user as user, current_setting('is_superuser') as superuser`,
    );
    expect(who).toEqual({ user: role, superuser: 'off' });
  });

  it('is ready, and answers the catalog, the orders, and (read-your-writes) waits on the checkpoints', async () => {
    expect((await get('/ready')).status).toBe(200);
    const products = await get('/products');
    expect(products.status, products.text).toBe(200);
    expect(JSON.parse(products.text).items.map((p: { sku: string }) => p.sku)).toEqual(['LAMP']);
    const order = await get('/orders/ORD-1', { 'X-Min-Position': '1' });
    expect(order.status, order.text).toBe(200);
    expect(JSON.parse(order.text)).toMatchObject({ orderId: 'ORD-1', status: 'confirmed' });
    // Not stale: the projection's checkpoint (read as the reader) covers the position asked for.
    expect(order.headers.get('x-stale')).toBeNull();
    const customer = await get('/customers/CUST-1/orders');
    expect(customer.status, customer.text).toBe(200);
  });

  it('answers history: the export of $all, a stream, and an order at a point in time', async () => {
    const events = await get('/history/events');
    expect(events.status, events.text).toBe(200);
    expect(
      events.text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).type),
    ).toEqual(['ProductRegistered', 'OrderPlaced', 'OrderConfirmed']);
    expect((await get('/history/streams/order-ORD-1')).status).toBe(200);
    const at = await get('/history/orders/ORD-1?revision=0');
    expect(at.status, at.text).toBe(200);
    expect(JSON.parse(at.text)).toMatchObject({ state: { status: 'placed' } });
  });

  it('records the requests it refuses in the audit log, which it may append to but not read', async () => {
    const checked = createQueryService({
      access: { mode: 'checked', keys: apiKeys(parseApiKeys('ro-analyst:analyst:ro-analyst-secret-0123456789')) },
      readDb: reader,
      cache: memoryCache({ maxEntries: 10 }),
      prefix,
      logger,
      readYourWritesTimeoutMs: 1_000,
    });
    const running = await listen(checked.app, { host: '127.0.0.1', port: 0 });
    try {
      const guessed = await fetch(`${running.url}/orders/ORD-1`, { headers: { authorization: 'Bearer guessed' } });
      expect(guessed.status).toBe(401);
      const analyst = { authorization: 'Bearer ro-analyst-secret-0123456789' };
      expect((await fetch(`${running.url}/products`, { headers: analyst })).status).toBe(200);
    } finally {
      await running.close();
      await checked.close();
    }
    const entries = await admin.query(`select actor, status, service, path from ${auditSchema(prefix)}.entries`);
    expect(entries).toEqual([{ actor: 'unknown', status: 401, service: 'query-service', path: '/orders/ORD-1' }]);
    await expect(reader.query(`select * from ${auditSchema(prefix)}.entries`)).rejects.toMatchObject({
      code: '42501',
    });
  });

  it("refuses every write from the query service's connection: permission denied (42501)", async () => {
    const refused = async (statement: string) => {
      const error = await reader.exec(statement).then(
        () => undefined,
        (failure: unknown) => failure as { code?: string },
      );
      expect(error?.code, statement).toBe('42501');
    };
    await refused(`insert into ${schemas.catalog}.products (sku) values ('X')`);
    await refused(`update ${schemas.orders}.orders set status = 'cancelled'`);
    await refused(`delete from ${schemas.admin}.checkpoints`);
    await refused(`insert into ${eventSchema}.events (event_id) values (gen_random_uuid())`);
    // append_events runs with the caller's rights (security invoker): its insert is refused as the reader.
    const append = [
      {
        streamId: 'order-ORD-3',
        expected: 'any',
        events: [{ eventId: crypto.randomUUID(), type: 'OrderPlaced', version: 1, data: {}, metadata: {} }],
      },
    ];
    await refused(`select * from ${eventSchema}.append_events('${JSON.stringify(append)}'::jsonb)`);
    await refused(`create table ${schemas.catalog}.sneaky (id int)`);
    await refused(`create schema ${prefix}sneaky`);
    await refused(`truncate ${eventSchema}.events`);
    // Nor can it migrate: schema changes belong to the writers and `cli migrate`.
    await expect(migrateEventStore(reader, `${prefix}elsewhere`)).rejects.toMatchObject({ code: '42501' });
    // The read-only store refuses appends before they reach the database.
    const store = postgresEventStore(reader, { schema: eventSchema, readOnly: true });
    await expect(store.append('order-ORD-2', [encodeEvent(placed('ORD-2', 'LAMP', 1, 2500))])).rejects.toThrow(
      /read-only/,
    );
  });
});
