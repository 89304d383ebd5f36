import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  NO_AUTH,
  initialVersions,
  cacheReady,
  connectRedis,
  listen,
  noCache,
  pgPool,
  pgSql,
  readModelSchemas,
  redisCache,
  silentLogger,
  type Cache,
  type ReadModelSchemas,
  type RunningServer,
  type Sql,
} from '@order-engine/shared';
import { describeWithService, freshName, startTcpProxy, type TcpProxy } from '@order-engine/shared/testing';
import { createQueryService, type QueryService } from './app.js';
import { aProduct, createReadModelTables, dropReadModelSchemas, insertProduct } from './testing/read-model-rows.js';

// The query API in front of a PostgreSQL (and a Redis) that stops answering, played by TCP proxies the test controls
// (the real servers are shared by other tests and are never touched).

const timeouts = { connectMs: 500, statementMs: 1_000, queryMs: 1_000 };
const serverOf = (url: string, defaultPort: number) => ({
  host: new URL(url).hostname,
  port: Number(new URL(url).port || defaultPort),
});

async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeWithService('DATABASE_URL', 'query service, PostgreSQL or Redis out of reach', (databaseUrl) => {
  let direct: Sql;
  let prefix: string;
  let schemas: ReadModelSchemas;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    direct = pgSql(databaseUrl);
    prefix = `${freshName('qoutage')}_`;
    schemas = readModelSchemas(prefix);
    await createReadModelTables(direct, schemas);
    await insertProduct(direct, schemas.catalog, aProduct({ sku: 'lamp' }));
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await dropReadModelSchemas(direct, schemas);
    await direct.close();
  });

  async function serve(
    readDb: Sql,
    cache: Cache,
    ready = {},
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ get(path: string): Promise<{ status: number; headers: Headers; body: any }> }> {
    const service: QueryService = createQueryService({
      access: NO_AUTH,
      readDb,
      cache,
      prefix,
      logger: silentLogger,
      readYourWritesTimeoutMs: 1_000,
      versions: initialVersions(),
      ready,
      readyTimeoutMs: 2_000,
    });
    const server: RunningServer = await listen(service.app, { host: '127.0.0.1', port: 0 });
    cleanups.push(async () => (await server.close(), await service.close()));
    return {
      async get(path) {
        const response = await fetch(`${server.url}${path}`);
        return { status: response.status, headers: response.headers, body: await response.json() };
      },
    };
  }

  async function proxied(url: string, defaultPort: number): Promise<TcpProxy> {
    const proxy = await startTcpProxy(serverOf(url, defaultPort));
    cleanups.push(async () => (proxy.resume(), await proxy.close()));
    return proxy;
  }

  it('answers 503 with Retry-After within the timeout while PostgreSQL holds every packet, and serves again by itself once it answers', async () => {
    const proxy = await proxied(databaseUrl, 5432);
    const readDb = pgSql(pgPool(proxy.url(databaseUrl), timeouts));
    cleanups.push(() => readDb.close());
    const api = await serve(readDb, noCache);
    expect((await api.get('/products/lamp')).status).toBe(200);
    expect(await api.get('/ready')).toMatchObject({
      status: 200,
      body: { status: 'ready', failing: [], checks: { readDatabase: 'ok' } },
    });

    proxy.hold();
    const started = Date.now();
    const held = await api.get('/products/lamp');
    expect(held.status).toBe(503);
    expect(held.headers.get('retry-after')).toBe('1');
    expect(Date.now() - started).toBeLessThan(timeouts.queryMs + 1_500);
    expect(await api.get('/ready')).toMatchObject({
      status: 503,
      body: { status: 'unavailable', failing: ['readDatabase'] },
    });

    proxy.resume();
    await eventually(async () => (await api.get('/products/lamp')).status === 200);
    expect((await api.get('/ready')).status).toBe(200);
  });

  describeWithService('REDIS_URL', 'with Redis', (redisUrl) => {
    it('names Redis in a 503 from /ready while Redis holds every packet, yet answers reads from PostgreSQL meanwhile', async () => {
      const proxy = await proxied(redisUrl, 6379);
      const cache = redisCache(await connectRedis(proxy.url(redisUrl)), { keyPrefix: `${freshName('qoutage')}:` });
      cleanups.push(() => cache.close());
      const api = await serve(direct, cache, { redis: cacheReady(cache) });
      expect(await api.get('/ready')).toMatchObject({
        status: 200,
        body: { checks: { readDatabase: 'ok', redis: 'ok' } },
      });

      proxy.hold();
      expect(await api.get('/ready')).toMatchObject({ status: 503, body: { failing: ['redis'] } });
      const started = Date.now();
      expect(await api.get('/products/lamp')).toMatchObject({ status: 200, body: { sku: 'lamp' } });
      expect(Date.now() - started).toBeLessThan(2_000);

      proxy.resume();
      await eventually(async () => (await api.get('/ready')).status === 200);
    });
  });
});
