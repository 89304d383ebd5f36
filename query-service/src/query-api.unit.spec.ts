import {
  NO_AUTH,
  commonOperations,
  createLogger,
  encodeEvent,
  memoryCache,
  memoryEventStore,
  policy,
  toEnvelope,
  type SqlExecutor,
} from '@order-engine/shared';
import { describe, expect, it } from 'vitest';
import { createQueryService } from './app.js';
import { orderAt, productAt } from './history/index.js';
import { placed, registered, stockAdded, stockReserved } from './history/testing/domain-events.js';
import { queryApi } from './query-api.js';
import { answerChecks } from './testing/api-answers.js';

// The query API's description: it builds, it describes every route the service serves, and its answer schemas fit
// what the routes send (the int specs check the read-model answers over HTTP).

const doc = queryApi();
const described = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
  Object.keys(item ?? {}).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
);

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}
const mounted = (stack: Layer[]): string[] =>
  stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path}`)
      : mounted(layer.handle?.stack ?? []),
  );

describe('the query API description', () => {
  it('builds as OpenAPI 3.1, one id per operation', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids = Object.values(doc.paths ?? {}).flatMap((item) =>
      Object.values(item ?? {}).map((operation) => (operation as { operationId: string }).operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("describes every query route of the policy table (the GETs that are not every service's, the projections' or the console's)", () => {
    const common = new Set(commonOperations.map(({ path }) => path));
    const queries = policy
      .filter(
        ({ method, path }) => method === 'GET' && !common.has(path) && !/^\/(projections|audit|console)\b/.test(path),
      )
      .map(({ method, path }) => `${method} ${path}`);
    expect(queries.length).toBeGreaterThan(0);
    expect(described).toEqual(expect.arrayContaining(queries));
  });

  it('describes every route the service mounts, the history routes included', async () => {
    const noDb = () => Promise.reject(new Error('no database in this spec'));
    const service = createQueryService({
      access: NO_AUTH,
      readDb: { query: noDb, exec: noDb, transaction: noDb } as unknown as SqlExecutor,
      eventStore: memoryEventStore(),
      cache: memoryCache({ maxEntries: 10 }),
      prefix: '',
      logger: createLogger('silent'),
      readYourWritesTimeoutMs: 10,
      versions: { catalog: 1, orders: 1, customers: 1, sales: 1 },
    });
    try {
      const routes = mounted((service.app as unknown as { router: { stack: Layer[] } }).router.stack);
      expect(routes.length).toBeGreaterThan(10);
      expect([...routes].sort()).toEqual([...described].sort());
    } finally {
      await service.close();
    }
  });

  it('has answer schemas that fit real answers: exported events and entities as they were', async () => {
    const check = answerChecks(doc);
    const store = memoryEventStore();
    await store.append(
      'product-lamp',
      [registered('lamp', 2_500), stockAdded('lamp', 10)].map((e) => encodeEvent(e)),
    );
    await store.append(
      'order-o-1',
      [placed('o-1', 'lamp', 2, 2_500)].map((e) => encodeEvent(e, { actor: 'alice' })),
    );
    await store.append('product-lamp', [encodeEvent(stockReserved('lamp', 'o-1', 2))]);
    await store.append('product-lamp', [
      encodeEvent({ type: 'StockHeld', data: { sku: 'lamp', holdId: 'h-1', quantity: 1, reason: 'damaged' } }),
    ]);

    for (const event of await store.readStream('product-lamp'))
      expect(check.body('get', '/history/events', 200, toEnvelope(event), 'application/x-ndjson')).toEqual([]);
    const order = await orderAt(store, 'o-1', { latest: true });
    const product = await productAt(store, 'lamp', { latest: true });
    expect(order.found && product.found).toBe(true);
    expect(check.body('get', '/history/orders/:orderId', 200, order.found && order.entity)).toEqual([]);
    const productNow = product.found ? product.entity : undefined;
    expect(productNow?.state).toMatchObject({ reservations: { 'o-1': 2 }, holds: { 'h-1': { quantity: 1 } } });
    expect(check.body('get', '/history/products/:sku', 200, productNow)).toEqual([]);
    // A field the schema does not name fails: the answers are described closed.
    expect(check.body('get', '/history/products/:sku', 200, { ...productNow, extra: 1 })).not.toEqual([]);
  });
});
