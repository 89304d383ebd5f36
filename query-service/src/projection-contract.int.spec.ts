import { liveProjections, type CacheWrite } from '@order-engine/projection-service';
import { eventRecorder, sampleHistory } from '@order-engine/projection-service/testing';
import type { SalesDayView } from '@order-engine/shared/read-models/sales';
import { expect, it } from 'vitest';
import { entityPath } from './consistency/entity-route.js';
import { entityReadRoutes } from './entity-routes.js';
import { describeOnReadDbs } from './testing/index.js';

// The contract between the two sides of the read models: whatever rows the projection service writes, the query
// service answers with exactly the view the projection puts in the cache. A miss (PostgreSQL) and a hit (cache)
// must never show a client two different shapes of the same view.

describeOnReadDbs('query service over rows written by the projection service', (fixture) => {
  it('answers every view exactly as the projection caches it', async () => {
    const f = fixture();
    const record = eventRecorder();
    const events = sampleHistory.flatMap((step) => step.events.map((event) => record(event)));
    const writes = new Map<string, CacheWrite['entry']>();
    for (const projection of liveProjections) {
      const schema = projection.schema(f.prefix);
      expect(Object.values(f.schemas)).toContain(schema);
      for (const write of await f.db.transaction((tx) => projection.apply(tx, schema, events)))
        writes.set(write.key, write.entry);
    }
    expect(writes.size).toBeGreaterThan(0);

    for (const [key, entry] of writes) {
      const [, kind, ...id] = key.split(':');
      const route = entityReadRoutes.find((candidate) => candidate.cacheKey.kind === kind);
      expect(route, `an entity route serves the ${kind} views`).toBeDefined();
      const { status, headers, body } = await f.get(entityPath(route!, id.join(':')));
      expect({ key, status, cache: headers.get('x-cache') }).toEqual({ key, status: 200, cache: 'miss' });
      expect(body).toEqual(entry.value);
      expect(body.revision).toBe(entry.version);
    }

    const lists = [await f.get('/products'), await f.get('/customers/alice/orders')];
    for (const { body } of lists) {
      for (const item of body.items)
        expect(item).toEqual(
          writes.get(
            item.sku ? `${f.schemas.catalog}:product:${item.sku}` : `${f.schemas.orders}:order:${item.orderId}`,
          )?.value,
        );
    }

    const { body: sales } = await f.get('/stats/sales?from=2026-03-01&to=2026-03-01');
    expect(sales.days.length).toBeGreaterThan(0);
    const sum = (field: 'units' | 'revenueCents') =>
      sales.days.reduce((total: number, day: SalesDayView) => total + day[field], 0);
    expect(sales.totals).toEqual([{ currency: 'EUR', units: sum('units'), revenueCents: sum('revenueCents') }]);
  });
});
