import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  NO_AUTH,
  projectionNames,
  pgSql,
  readModelSchemas,
  silentLogger,
  listen,
  type RunningServer,
  type Sql,
} from '@order-engine/shared';
import { describeWithService, sharedPglite } from '@order-engine/shared/testing';
import { liveProjections } from '@order-engine/projection-service';
import {
  jobEnded,
  rebuildWorld,
  requestJson,
  schemaDropped,
  slowed,
  type RebuildWorld,
} from '@order-engine/projection-service/testing';
import { createQueryService, type QueryService } from '../app.js';

// The query service across a blue/green rebuild of every projection: readers hammering products, orders, a
// customer's orders and sales see no failed read and no changed answer while the new versions are built, switched
// to and the old ones dropped; a writer reading its own writes (X-Min-Position) sees each one through the switch.

/** JSON with sorted keys: a view read from jsonb and the same view from the cache may list keys in another order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

function switchSpecs(openSql: () => Promise<Sql>, options: { dropSchemas: boolean }) {
  let world: RebuildWorld | undefined;
  let server: RunningServer | undefined;
  let query: QueryService | undefined;
  afterEach(async () => {
    await server?.close();
    await query?.close();
    await world?.close();
    world = undefined;
  });

  it('serves every read during a rebuild of every projection, with the same answers before and after', async () => {
    const w = (world = await rebuildWorld(await openSql(), { products: 12, orders: 150 }, options));
    // Each batch takes 10 ms longer: the rebuild lasts long enough for many reads to land during it.
    const projections = await w.instance({ projections: liveProjections.map((projection) => slowed(projection, 10)) });
    expect(await projections.service.waitFor(w.head, 30_000)).toBe(true);
    query = createQueryService({
      access: NO_AUTH,
      readDb: w.sql,
      cache: w.cache,
      prefix: w.prefix,
      logger: silentLogger,
      readYourWritesTimeoutMs: 5_000,
      registryTtlMs: 50,
      checkpointPollMs: 10,
    });
    server = await listen(query.app, { host: '127.0.0.1', port: 0 });
    const url = server.url;

    // sku-11 is the writer's: its answers change; every other path must answer exactly as before, all along.
    const paths = [
      ...Array.from({ length: 11 }, (_, i) => `/products/sku-${i}`),
      ...Array.from({ length: 40 }, (_, i) => `/orders/order-${i * 3}`),
      '/products?limit=50&category=kitchen',
      '/customers/customer-1/orders?limit=20',
      '/stats/sales?from=2026-01-01&to=2026-01-31',
    ];
    const before = new Map<string, string>();
    for (const path of paths) {
      const answer = await requestJson(`${url}${path}`);
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      before.set(path, canonical(answer.body));
    }

    const failures: string[] = [];
    let reads = 0;
    let reading = true;
    const reader = async (offset: number) => {
      for (let i = offset; reading; i++) {
        const path = paths[i % paths.length]!;
        const answer = await requestJson(`${url}${path}`).catch((error: unknown) => ({
          status: 0,
          body: String(error),
        }));
        reads += 1;
        if (answer.status !== 200) failures.push(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
        else if (canonical(answer.body) !== before.get(path))
          failures.push(`${path}: changed to ${JSON.stringify(answer.body)}`);
      }
    };
    let writes = 0;
    let onHand = (await requestJson(`${url}/products/sku-11`)).body.onHand as number;
    const writer = async () => {
      while (reading) {
        const { position } = await w.store.append('product-sku-11', [
          { type: 'StockAdded', version: 1, data: { sku: 'sku-11', quantity: 1 } },
        ]);
        onHand += 1;
        writes += 1;
        const response = await fetch(`${url}/products/sku-11`, { headers: { 'X-Min-Position': position.toString() } });
        const body = (await response.json()) as { onHand: number };
        if (response.status !== 200 || response.headers.get('x-stale') || body.onHand !== onHand) {
          failures.push(
            `read-your-writes at ${position}: ${response.status} stale=${response.headers.get('x-stale')} onHand=${body.onHand}, wanted ${onHand}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const load = [reader(0), reader(17), reader(33), writer()];

    await new Promise((resolve) => setTimeout(resolve, 100));
    const readsBefore = reads;
    const jobs = await Promise.all(
      projectionNames.map((name) => requestJson(`${projections.url}/projections/${name}/rebuild`, { method: 'POST' })),
    );
    for (const { body } of jobs)
      expect((await jobEnded(projections.url, body.projection, body.jobId)).status).toBe('done');
    const readsDuring = reads - readsBefore;
    for (const schema of projectionNames.map((name) => readModelSchemas(w.prefix)[name]))
      await schemaDropped(w.sql, schema);
    await new Promise((resolve) => setTimeout(resolve, 200));
    reading = false;
    await Promise.all(load);

    expect(failures).toEqual([]);
    expect(readsDuring).toBeGreaterThan(50);
    expect(writes).toBeGreaterThan(3);
    for (const path of paths)
      expect({ path, body: canonical((await requestJson(`${url}${path}`)).body) }).toEqual({
        path,
        body: before.get(path),
      });
    // Served from the new versions' cache keys now.
    const hit = await fetch(`${url}/products/sku-0`);
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(await w.cache.get(`${w.prefix}catalog_v2:product:sku-0`)).toBeDefined();
  });
}

describe('the query service across a rebuild on PGlite', () => {
  switchSpecs(sharedPglite(), { dropSchemas: false });
});

describeWithService('DATABASE_URL', 'the query service across a rebuild on PostgreSQL', (url) => {
  let sql: Sql | undefined;
  afterAll(async () => {
    await sql?.close();
  });
  switchSpecs(async () => (sql ??= pgSql(url)), { dropSchemas: true });
});
