import type { Cache } from '@order-engine/shared';
import { type ProductView } from '@order-engine/shared/read-models/catalog';
import { expect, it } from 'vitest';
import { aProduct, describeOnReadDbs, insertProduct, type HttpAnswer, type QueryFixture } from '../testing/index.js';

// A stand-in for a cache outage: every call of the port fails, as a Redis client does when the server is down.
const failingCache: Cache = {
  get: () => Promise.reject(new Error('cache down')),
  getJson: () => Promise.reject(new Error('cache down')),
  set: () => Promise.reject(new Error('cache down')),
  delete: () => Promise.reject(new Error('cache down')),
  deleteWithPrefix: () => Promise.reject(new Error('cache down')),
  close: () => Promise.resolve(),
};

const seed = async (f: QueryFixture, products: ProductView[]) => {
  for (const product of products) await insertProduct(f.db, f.schemas.catalog, product);
};

/** Follows nextCursor to the end; fails on a loop instead of hanging. */
async function allPages(f: QueryFixture, query: string): Promise<{ pages: ProductView[][] }> {
  const pages: ProductView[][] = [];
  let cursor: string | null = null;
  do {
    const answer: HttpAnswer<{ items: ProductView[]; nextCursor: string | null }> = await f.get(
      `/products?${query}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(answer.status).toBe(200);
    pages.push(answer.body.items);
    cursor = answer.body.nextCursor;
    expect(pages.length).toBeLessThan(100);
  } while (cursor);
  return { pages };
}

describeOnReadDbs('GET /products', (fixture) => {
  const catalog = [
    aProduct({ sku: 'HAM-1', name: 'Claw Hammer', category: 'tools', onHand: 5, reserved: 0 }),
    aProduct({ sku: 'SAW-2', name: 'Hand saw', category: 'tools', onHand: 1, reserved: 1 }),
    aProduct({ sku: 'NAIL-3', name: 'Nails 100% steel', category: 'fixings', onHand: 0, reserved: 0 }),
    aProduct({ sku: 'GLUE-4', name: 'Wood glue', category: 'fixings', onHand: 9, reserved: 3, status: 'discontinued' }),
  ];

  it('lists products ordered by sku, with their views', async () => {
    const f = fixture();
    await seed(f, catalog);
    const { status, body } = await f.get('/products');
    expect(status).toBe(200);
    expect(body.items.map((p: ProductView) => p.sku)).toEqual(['GLUE-4', 'HAM-1', 'NAIL-3', 'SAW-2']);
    expect(body.items[0]).toEqual(catalog[3]);
    expect(body.nextCursor).toBeNull();
  });

  it('filters by category, by name or sku substring ignoring case, and by stock', async () => {
    const f = fixture();
    await seed(f, catalog);
    const skus = async (query: string) => (await f.get(`/products?${query}`)).body.items.map((p: ProductView) => p.sku);
    expect(await skus('category=tools')).toEqual(['HAM-1', 'SAW-2']);
    expect(await skus('q=HAND')).toEqual(['SAW-2']);
    expect(await skus('q=ham')).toEqual(['HAM-1']);
    expect(await skus('q=nail-')).toEqual(['NAIL-3']);
    expect(await skus('q=100%25')).toEqual(['NAIL-3']);
    expect(await skus('q=_')).toEqual([]);
    expect(await skus('inStock=true')).toEqual(['GLUE-4', 'HAM-1']);
    expect(await skus('inStock=false')).toEqual(['NAIL-3', 'SAW-2']);
    expect(await skus('category=fixings&inStock=false')).toEqual(['NAIL-3']);
    expect(await skus('category=none')).toEqual([]);
  });

  it('pages through every product exactly once, with and without filters', async () => {
    const f = fixture();
    const many = Array.from({ length: 23 }, (_, i) =>
      aProduct({
        sku: `P-${String(i).padStart(3, '0')}`,
        category: i % 2 ? 'odd' : 'even',
        onHand: i % 3,
        reserved: 0,
      }),
    );
    await seed(f, many.toReversed());

    const { pages } = await allPages(f, 'limit=5');
    expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat().map((p) => p.sku)).toEqual(many.map((p) => p.sku));

    const odd = await allPages(f, 'limit=4&category=odd&inStock=true');
    const expected = many.filter((p, i) => i % 2 === 1 && p.available > 0).map((p) => p.sku);
    expect(odd.pages.flat().map((p) => p.sku)).toEqual(expected);
  });

  it('gives no next cursor when the last page is exactly full', async () => {
    const f = fixture();
    await seed(f, catalog);
    const first = await f.get('/products?limit=2');
    const second = await f.get(`/products?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((p: ProductView) => p.sku)).toEqual(['NAIL-3', 'SAW-2']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('answers 400 problems for bad filters, limits and cursors', async () => {
    const f = fixture();
    await seed(f, catalog);
    const forged = Buffer.from(JSON.stringify({ sku: "x' or 1=1 --" })).toString('base64url');
    const bad = [
      'limit=0',
      'limit=201',
      'limit=abc',
      'limit=1e2',
      'limit=-5',
      'limit=',
      'limit=5&limit=6',
      'inStock=yes',
      'inStock=',
      'q=',
      'q=%00',
      'category=a%1Bb',
      `q=${'x'.repeat(201)}`,
      'category[a]=b',
      'category=a&category=b',
      'cursor=not-a-cursor!',
      'cursor=e30',
      `cursor=${forged}`,
      `cursor=${'A'.repeat(600)}`,
    ];
    for (const query of bad) {
      const { status, headers, body } = await f.get(`/products?${query}`);
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(body).toMatchObject({
        status: 400,
        title: 'Bad Request',
        type: expect.any(String),
        detail: expect.any(String),
      });
    }
    const { body } = await f.get('/products?limit=0&cursor=zz');
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['cursor', 'limit']);
  });

  it('ignores unknown query parameters', async () => {
    const f = fixture();
    await seed(f, catalog);
    const { status, body } = await f.get('/products?color=red&limit=1');
    expect(status).toBe(200);
    expect(body.items).toHaveLength(1);
  });
});

describeOnReadDbs('GET /products/:sku', (fixture) => {
  it('reads PostgreSQL on a miss, fills the cache at the row revision, then serves hits', async () => {
    const f = fixture();
    const product = aProduct({ sku: 'HAM-1', revision: 4 });
    await insertProduct(f.db, f.schemas.catalog, product);

    const first = await f.get('/products/HAM-1');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(first.body).toEqual(product);
    expect(await f.cache.get(`${f.schemas.catalog}:product:HAM-1`)).toEqual({ version: 4, value: product });

    const second = await f.get('/products/HAM-1');
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.body).toEqual(product);

    const health = await f.get('/health');
    expect(health.body).toEqual({ status: 'ok', service: 'query-service', cache: { hits: 1, misses: 1 } });
  });

  it('sends a hit as the very bytes of the miss before it, with the same JSON headers and ETag', async () => {
    const f = fixture();
    await insertProduct(f.db, f.schemas.catalog, aProduct({ sku: 'HAM-1', name: 'Crème brûlée 🍮' }));
    const [miss, hit] = [await fetch(`${f.url}/products/HAM-1`), await fetch(`${f.url}/products/HAM-1`)];
    expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['miss', 'hit']);
    for (const header of ['content-type', 'content-length', 'etag'])
      expect({ header, value: hit.headers.get(header) }).toEqual({ header, value: miss.headers.get(header) });
    expect(hit.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await hit.text()).toBe(await miss.text());
  });

  it('serves what the projection cached, without asking PostgreSQL', async () => {
    const f = fixture();
    const cached = aProduct({ sku: 'ONLY-CACHED', revision: 7 });
    await f.cache.set(`${f.schemas.catalog}:product:ONLY-CACHED`, { version: 7, value: cached });
    const { status, headers, body } = await f.get('/products/ONLY-CACHED');
    expect([status, headers.get('x-cache')]).toEqual([200, 'hit']);
    expect(body).toEqual(cached);
  });

  it('never replaces a newer cached version with an older row', async () => {
    const f = fixture();
    await insertProduct(f.db, f.schemas.catalog, aProduct({ sku: 'HAM-1', revision: 2, name: 'old' }));
    const newer = aProduct({ sku: 'HAM-1', revision: 5, name: 'new' });
    // The projection wrote revision 5 to the cache while this read was loading revision 2 from PostgreSQL.
    const slowCache: Cache = {
      ...f.cache,
      getJson: async (key: string) => {
        const entry = await f.cache.getJson(key);
        await f.cache.set(key, { version: 5, value: newer });
        return entry;
      },
    };
    await f.restart({ cache: slowCache });
    expect((await f.get('/products/HAM-1')).body.name).toBe('old');
    expect(await f.cache.get(`${f.schemas.catalog}:product:HAM-1`)).toEqual({ version: 5, value: newer });
    expect((await f.get('/products/HAM-1')).body).toEqual(newer);
  });

  it('answers from PostgreSQL when every cache call fails, and counts misses', async () => {
    const f = fixture();
    const product = aProduct({ sku: 'HAM-1' });
    await insertProduct(f.db, f.schemas.catalog, product);
    await f.restart({ cache: failingCache });
    for (let i = 0; i < 2; i++) {
      const { status, headers, body } = await f.get('/products/HAM-1');
      expect([status, headers.get('x-cache')]).toEqual([200, 'miss']);
      expect(body).toEqual(product);
    }
    expect((await f.get('/products/NOPE')).status).toBe(404);
    expect((await f.get('/health')).body.cache).toEqual({ hits: 0, misses: 3 });
  });

  it('treats a cache that does not answer in time as down', async () => {
    const f = fixture();
    await insertProduct(f.db, f.schemas.catalog, aProduct({ sku: 'HAM-1' }));
    const hanging: Cache = { ...failingCache, getJson: () => new Promise(() => {}), set: () => new Promise(() => {}) };
    await f.restart({ cache: hanging, cacheTimeoutMs: 50 });
    const started = Date.now();
    const { status } = await f.get('/products/HAM-1');
    expect(status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('answers 404 for an unknown sku and 400 for one that cannot exist', async () => {
    const f = fixture();
    const missing = await f.get('/products/NOPE-9');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ status: 404, type: '/problems/not-found', entity: 'product', id: 'NOPE-9' });
    expect(await f.cache.get(`${f.schemas.catalog}:product:NOPE-9`)).toBeUndefined();

    for (const sku of ['%20', 'a%2Fb', `${'x'.repeat(65)}`, '-leading-dash', '%00']) {
      const { status, body } = await f.get(`/products/${sku}`);
      expect({ sku, status }).toEqual({ sku, status: 400 });
      expect(body.errors[0].path).toBe('sku');
    }
  });
});
