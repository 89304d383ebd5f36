import { NO_AUTH, listen, memoryCache, pgSql, silentLogger } from '@order-engine/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryService } from './app.js';
import { describeOnReadDbs } from './testing/index.js';

// Nothing listens on port 1: the real pg adapter reports the outage as it would for a database that went away.
describe('query service without its read database', () => {
  const readDb = pgSql('postgres://postgres@127.0.0.1:1/postgres');
  const cache = memoryCache({ maxEntries: 10 });
  const service = createQueryService({
    access: NO_AUTH,
    readDb,
    cache,
    prefix: '',
    logger: silentLogger,
    readYourWritesTimeoutMs: 100,
  });
  let url = '';
  let close = async () => {};

  beforeAll(async () => {
    const server = await listen(service.app, { host: '127.0.0.1', port: 0 });
    url = server.url;
    close = server.close;
  });
  afterAll(async () => {
    await close();
    await service.close();
    await readDb.close();
  });

  it('answers 503 problems with Retry-After, and stays healthy itself', async () => {
    for (const path of ['/products', '/products/HAM-1', '/orders/O-1', '/customers/C1/orders', '/stats/sales']) {
      const response = await fetch(`${url}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 503 });
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({ status: 503, type: '/problems/unavailable' });
    }
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
  });

  it('still serves what the cache holds', async () => {
    const product = {
      sku: 'HAM-1',
      name: 'Hammer',
      category: 'tools',
      priceCents: 100,
      currency: 'EUR',
      onHand: 1,
      reserved: 0,
      available: 1,
      status: 'active',
      revision: 1,
    };
    await cache.set('catalog_v1:product:HAM-1', { version: 1, value: product });
    const response = await fetch(`${url}/products/HAM-1`);
    expect([response.status, response.headers.get('x-cache')]).toEqual([200, 'hit']);
    expect(await response.json()).toEqual(product);
  });

  it('answers 404 problems for unknown routes', async () => {
    const response = await fetch(`${url}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describeOnReadDbs('query service before the projection service has created the read models', (fixture) => {
  it('answers 503 problems instead of errors', async () => {
    const f = fixture();
    await f.db.exec(`drop schema ${f.schemas.catalog} cascade; drop schema ${f.schemas.admin} cascade;`);
    for (const [path, headers] of [
      ['/products', {}],
      ['/products/HAM-1', {}],
      ['/orders/O-1', { 'X-Min-Position': '1' }],
    ] as const) {
      const { status, headers: answered, body } = await f.get(path, headers);
      expect({ path, status }).toEqual({ path, status: 503 });
      expect(answered.get('retry-after')).toBe('1');
      expect(body).toMatchObject({ status: 503, type: '/problems/read-model-unavailable' });
    }
  });
});
