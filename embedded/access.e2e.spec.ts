import { get } from 'node:http';
import type { Express } from 'express';
import {
  commandClient,
  projectionClient,
  queryClient,
  type ProjectionComponents,
  type ProjectionPaths,
} from '@order-engine/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, accessFromConfig, createLogger, orderStream, ruleFor, type Role } from '@order-engine/shared';
import { testEngineConfig } from './test-config.js';
import { startEngine, type Engine } from './engine.js';
import { eventually } from './http-client.js';
import { walkPolicyTable } from './policy-walk.js';

// The trust boundary of one embedded engine with a key per role: every route of the three live apps has a rule, and
// every rule answers each role (and nobody) as the policy table says, over HTTP.

const secret = (role: Role) => `${role}-secret-0123456789abcdef`;
// The customer key acts for alice.
const keyName = (role: Role) => (role === 'customer' ? 'alice' : `test-${role}`);

let engine: Engine;
// What the engine logs, parsed: the access-log test reads it.
const logLines: Record<string, unknown>[] = [];
const logger = createLogger('info', {}, (line) => logLines.push(JSON.parse(line) as Record<string, unknown>));

beforeAll(async () => {
  const config = testEngineConfig({
    SEED_DEMO: 'true',
    API_KEYS: ROLES.map((role) => `${keyName(role)}:${role}:${secret(role)}`).join(','),
  });
  engine = await startEngine(config, logger, {
    access: await accessFromConfig(config),
    seedKey: secret('operator'),
  });
});
afterAll(async () => {
  await engine?.stop();
});

const bearer = (role: Role, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${secret(role)}`,
  ...extra,
});
/** The three APIs' typed clients, sending this token (a role's key, or one that is not). */
const withToken = (token: string) => ({
  commands: commandClient(engine.commandUrl, { token }),
  queries: queryClient(engine.queryUrl, { token }),
  projections: projectionClient(engine.projectionUrl, { token }),
});
const as = (role: Role) => withToken(secret(role));

/** Every (method, path) an Express app routes, through the routers it mounts. */
function routesOf(app: Express): { method: string; path: string }[] {
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };
  const walk = (stack: Layer[]): { method: string; path: string }[] =>
    stack.flatMap((layer) =>
      layer.route
        ? Object.keys(layer.route.methods)
            .filter((method) => method !== '_all')
            .map((method) => ({ method: method.toUpperCase(), path: layer.route!.path }))
        : layer.handle?.stack
          ? walk(layer.handle.stack)
          : [],
    );
  return walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
}

describe('the policy table', () => {
  it('has a rule for every route of the three live apps', () => {
    const routes = Object.values(engine.apps).flatMap(routesOf);
    expect(routes.length).toBeGreaterThan(25);
    const missing = routes.filter(({ method, path }) => !ruleFor(method, path.replace(/:\w+/g, 'x')));
    expect(missing).toEqual([]);
  });

  walkPolicyTable(() => engine, secret);
});

describe('the audit log', () => {
  type Entry = ProjectionComponents['schemas']['AuditEntry'];
  type AuditQuery = NonNullable<ProjectionPaths['/audit']['get']['parameters']['query']>;
  const audit = (query: AuditQuery, role: Role = 'operator') =>
    as(role).projections.GET('/audit', { params: { query } });
  // Entries are written once the answer is sent: poll for the one expected.
  const entryFor = (query: AuditQuery, match: (entry: Entry) => boolean) =>
    eventually(async () => (await audit(query)).data?.items.find(match));

  it("records an operator's catalog change with who, for whom, what, where and how it ended", async () => {
    const correlationId = `audit-${Date.now()}`;
    const priced = await as('operator').commands.POST('/products/{sku}/price', {
      params: { path: { sku: 'kettle' }, header: { 'X-Actor': 'on-call-bob', 'X-Correlation-Id': correlationId } },
      body: { priceCents: 4_321 },
    });
    expect(priced.response.status).toBe(200);
    const entry = await entryFor({ actor: 'test-operator' }, (e) => e.correlationId === correlationId);
    expect(entry).toMatchObject({
      service: 'command-service',
      actor: 'test-operator',
      role: 'operator',
      onBehalfOf: 'on-call-bob',
      method: 'POST',
      route: '/products/:sku/price',
      path: '/products/kettle/price',
      status: 200,
      outcome: 'done',
      detail: null,
    });
    expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('records refusals: a client starting a rebuild, a bad key on the query API; and failed operator actions', async () => {
    const rebuild = await as('client').projections.POST('/projections/{name}/rebuild', {
      params: { path: { name: 'catalog' } },
      body: {},
    });
    expect(rebuild.response.status).toBe(403);
    expect(
      (await withToken('guessed').queries.GET('/orders/{id}', { params: { path: { id: 'x' } } })).response.status,
    ).toBe(401);
    const retry = await as('operator').projections.POST('/projections/{name}/dead-letters/{id}/retry', {
      params: { path: { name: 'catalog', id: '999999' } },
    });
    expect(retry.response.status).toBeGreaterThanOrEqual(400);

    expect(
      await entryFor({ outcome: 'refused', role: 'client' }, (e) => e.path === '/projections/catalog/rebuild'),
    ).toMatchObject({
      actor: 'test-client',
      status: 403,
      service: 'projection-service',
      path: '/projections/catalog/rebuild',
    });
    expect(
      await entryFor({ outcome: 'refused', service: 'query-service' }, (e) => e.path === '/orders/x'),
    ).toMatchObject({
      actor: 'unknown',
      role: null,
      status: 401,
      detail: expect.stringMatching(/invalid credentials/),
    });
    expect(
      await entryFor({ outcome: 'failed' }, (e) => e.route === '/projections/:name/dead-letters/:id/retry'),
    ).toMatchObject({ actor: 'test-operator', status: retry.response.status });
  });

  it('leaves reads and orders by other roles out, and pages newest first with a cursor that keeps the filters', async () => {
    const before = (await audit({ limit: 1000 })).data!.items.length;
    await as('client').queries.GET('/products');
    await as('client').commands.POST('/orders', {
      body: { customerId: 'dave', lines: [{ sku: 'kettle', quantity: 1 }] },
    });
    for (const sku of ['kettle', 'kettle', 'kettle'])
      await as('operator').commands.POST('/products/{sku}/restock', {
        params: { path: { sku } },
        body: { quantity: 1 },
      });
    const restocks = await eventually(async () => {
      const items = (await audit({ route: '/products/:sku/restock', limit: 1000 })).data?.items ?? [];
      return items.length >= 3 ? items : undefined;
    });
    const all = (await audit({ limit: 1000 })).data!.items;
    expect(all.length).toBe(before + 3);
    expect(all.some((e) => e.actor === 'test-client' && e.outcome === 'done')).toBe(false);

    const first = (await audit({ route: '/products/:sku/restock', limit: 2 })).data!;
    expect(first.items.map((e) => e.id)).toEqual(restocks.slice(0, 2).map((e) => e.id));
    expect(first.next).toMatch(/route=.*&limit=2&before=/);
    // The link is followed as given: its path is the audit's, its query string is sent as it is.
    const link = new URL(first.next!, engine.projectionUrl);
    expect(link.pathname).toBe('/audit');
    const second = await as('operator').projections.GET('/audit', { querySerializer: () => link.search });
    expect(second.data!.items.map((e) => e.id)).toEqual(restocks.slice(2, 4).map((e) => e.id));
  });

  it('answers a bad filter with 400 and names it', async () => {
    for (const query of [{ limit: 0 }, { since: 'yesterday' }, { before: '-1' }, { actor: 'a\u0000b' }]) {
      const answer = await audit(query);
      expect({ query, status: answer.response.status }).toEqual({ query, status: 400 });
    }
    // Values and names the API does not have, which the typed client will not send.
    for (const query of ['?role=root', '?outcome=maybe', '?colour=red']) {
      const answer = await fetch(`${engine.projectionUrl}/audit${query}`, { headers: bearer('operator') });
      await answer.text();
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
    }
  });
});

describe('access logs and correlation ids', () => {
  const requestsWith = (correlationId: string) =>
    logLines.filter((line) => line.msg === 'request' && line.correlationId === correlationId);

  it("echoes the caller's X-Correlation-Id, records it in the events, and logs the request under it", async () => {
    const correlationId = `trace-${Date.now()}`;
    const placed = await as('client').commands.POST('/orders', {
      params: { header: { 'X-Correlation-Id': correlationId } },
      body: { customerId: 'erin', lines: [{ sku: 'kettle', quantity: 1 }] },
    });
    expect(placed.response.status).toBe(202);
    expect(placed.response.headers.get('x-correlation-id')).toBe(correlationId);
    const requestId = placed.response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [placedEvent] = await engine.eventStore.readStream(orderStream(placed.data!.orderId));
    expect(placedEvent?.metadata).toMatchObject({ correlationId, actor: 'test-client' });

    const [line] = await eventually(async () => {
      const lines = requestsWith(correlationId);
      return lines.length > 0 ? lines : undefined;
    });
    expect(line).toMatchObject({
      level: 'info',
      requestId,
      method: 'POST',
      route: '/orders',
      path: '/orders',
      status: 202,
      actor: 'test-client',
      role: 'client',
    });
    expect(line?.durationMs).toEqual(expect.any(Number));
  });

  it('makes one up when none is given (or it is unusable), and logs refusals under it too', async () => {
    // A correlation id with spaces is no usable one: sent as a plain header, past the documented parameters.
    const refused = await withToken('guessed-again').queries.GET('/orders/{id}', {
      params: { path: { id: 'x' } },
      headers: { 'x-correlation-id': 'has spaces' },
    });
    expect(refused.response.status).toBe(401);
    const correlationId = refused.response.headers.get('x-correlation-id')!;
    expect(correlationId).toBe(refused.response.headers.get('x-request-id'));
    const [line] = await eventually(async () => {
      const lines = requestsWith(correlationId);
      return lines.length > 0 ? lines : undefined;
    });
    expect(line).toMatchObject({ method: 'GET', route: '/orders/:id', status: 401, actor: null });
  });
});

describe('identities', () => {
  const placeOrder = (role: Role, customerId: string, header: { 'X-Actor'?: string } = {}) =>
    as(role).commands.POST('/orders', {
      params: { header },
      body: { customerId, lines: [{ sku: 'kettle', quantity: 1 }] },
    });

  it("lets a customer place, see and move its own orders only; another customer's are missing for it", async () => {
    expect((await placeOrder('customer', 'bob')).response.status).toBe(403);
    const bobs = await placeOrder('client', 'bob');
    expect(bobs.response.status).toBe(202);
    const bobsOrder = bobs.data!.orderId;
    const alices = await placeOrder('customer', 'alice');
    expect(alices.response.status).toBe(202);

    const header = { 'X-Min-Position': alices.data!.position };
    const order = (role: Role, id: string) =>
      as(role).queries.GET('/orders/{id}', { params: { path: { id }, header } });
    const customer = as('customer').queries;
    const ordersOf = (id: string) => customer.GET('/customers/{id}/orders', { params: { path: { id }, header } });
    expect((await order('client', bobsOrder)).response.status).toBe(200);
    expect((await order('customer', bobsOrder)).response.status).toBe(404);
    expect((await order('customer', alices.data!.orderId)).response.status).toBe(200);
    expect(
      (await customer.GET('/customers/{id}/summary', { params: { path: { id: 'bob' }, header } })).response.status,
    ).toBe(404);
    expect((await ordersOf('bob')).data).toEqual({ items: [], nextCursor: null });
    const own = await eventually(async () => {
      const { data } = await ordersOf('alice');
      return data && data.items.length > 0 ? data : undefined;
    });
    expect(own.items.every((order) => order.customerId === 'alice')).toBe(true);

    const cancel = (id: string) =>
      as('customer').commands.POST('/orders/{id}/cancel', {
        params: { path: { id } },
        body: { reason: 'changed my mind' },
      });
    expect((await cancel(bobsOrder)).response.status).toBe(404);
    expect((await cancel(alices.data!.orderId)).response.status).toBe(200);
  });

  it('records the authenticated identity as the actor; an X-Actor counts only as "on behalf of", from operators', async () => {
    const byClient = (await placeOrder('client', 'carol', { 'X-Actor': 'someone-else' })).data!;
    const byOperator = (await placeOrder('operator', 'carol', { 'X-Actor': 'carol-on-the-phone' })).data!;
    const metadataOf = async (orderId: string) =>
      (await engine.eventStore.readStream(orderStream(orderId)))[0]?.metadata;
    expect(await metadataOf(byClient.orderId)).toMatchObject({ actor: 'test-client', role: 'client' });
    expect(await metadataOf(byClient.orderId)).not.toHaveProperty('onBehalfOf');
    expect(await metadataOf(byOperator.orderId)).toMatchObject({
      actor: 'test-operator',
      role: 'operator',
      onBehalfOf: 'carol-on-the-phone',
    });
  });

  it('refuses pages of other origins and Host names that are not this machine', async () => {
    // fetch will not send another Host: node:http will, as a browser tricked by DNS rebinding would.
    const products = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) =>
        get(`${engine.queryUrl}/products`, { headers: bearer('client', headers) }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject),
      );
    expect(await products({ origin: 'http://evil.example' })).toBe(403);
    expect(await products({ host: 'evil.example' })).toBe(421);
    expect(await products({ host: 'evil.example:80' })).toBe(421);
    expect(await products({ origin: 'http://evil.example', host: 'localhost' })).toBe(403);
    expect(await products({})).toBe(200);
  });

  it("lets the console's pages (the projection API's port, on the host asked) call the other APIs, and no other port", async () => {
    const consolePage = engine.projectionUrl;
    const preflight = await fetch(`${engine.queryUrl}/history/streams`, {
      method: 'OPTIONS',
      headers: { origin: consolePage, 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(consolePage);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const read = await fetch(`${engine.commandUrl}/metrics`, { headers: bearer('analyst', { origin: consolePage }) });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/);
    const { port } = new URL(engine.projectionUrl);
    for (const origin of [
      `http://127.0.0.1:${Number(port) + 1000}`,
      `http://localhost:${port}`,
      `https://127.0.0.1:${port}`,
    ])
      expect(
        (await fetch(`${engine.queryUrl}/products`, { headers: bearer('client', { origin }) })).status,
        origin,
      ).toBe(403);
  });

  it('tells each role who it is, and nobody without credentials', async () => {
    for (const role of ROLES) {
      const { data, response } = await as(role).projections.GET('/identity');
      expect(response.status).toBe(200);
      expect(data).toEqual({ name: keyName(role), role, ...(role === 'customer' ? { customerId: 'alice' } : {}) });
    }
    expect((await withToken('not-a-key').queries.GET('/identity')).response.status).toBe(401);
  });

  it('answers 429 to an address after repeated bad keys, before checking them', async () => {
    const tries = [];
    for (let i = 0; i < 35; i++) tries.push((await withToken(`wrong-${i}`).queries.GET('/products')).response.status);
    expect(tries.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(tries.at(-1)).toBe(429);
    // Even a good key waits out the window: the limit is per address, and says when to come back.
    const after = await as('client').queries.GET('/products');
    expect(after.response.status).toBe(429);
    expect(after.response.headers.get('retry-after')).toBe('60');
  });
});
