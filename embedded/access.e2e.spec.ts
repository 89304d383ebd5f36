import { get } from 'node:http';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ROLES,
  accessFromConfig,
  createLogger,
  loadEngineConfig,
  orderStream,
  ruleFor,
  type Role,
} from '@order-engine/shared';
import { startEngine, type Engine } from './engine.js';
import { eventually, requestJson } from './http-client.js';
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
  const config = loadEngineConfig({
    DATA_DIR: 'memory://',
    COMMAND_PORT: '0',
    QUERY_PORT: '0',
    PROJECTION_PORT: '0',
    SEED_DEMO: 'true',
    LOG_LEVEL: 'silent',
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

type Json = Record<string, unknown>;
const as = (role: Role | undefined, extra: Record<string, string> = {}) => ({
  ...(role ? { authorization: `Bearer ${secret(role)}` } : {}),
  ...extra,
});

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
  type Entry = Record<string, unknown>;
  const audit = async (query: string, role: Role = 'operator') =>
    requestJson<{ items: Entry[]; next: string | null }>(`${engine.projectionUrl}/audit${query}`, {
      headers: as(role),
    });
  // Entries are written once the answer is sent: poll for the one expected.
  const entryFor = (query: string, match: (entry: Entry) => boolean) =>
    eventually(async () => (await audit(query)).body.items.find(match));

  it("records an operator's catalog change with who, for whom, what, where and how it ended", async () => {
    const correlationId = `audit-${Date.now()}`;
    const priced = await requestJson(`${engine.commandUrl}/products/kettle/price`, {
      body: { priceCents: 4_321 },
      headers: as('operator', { 'x-actor': 'on-call-bob', 'x-correlation-id': correlationId }),
    });
    expect(priced.status).toBe(200);
    const entry = await entryFor('?actor=test-operator', (e) => e.correlationId === correlationId);
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
    expect(Date.parse(entry.at as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('records refusals: a client starting a rebuild, a bad key on the query API; and failed operator actions', async () => {
    expect(
      (await requestJson(`${engine.projectionUrl}/projections/catalog/rebuild`, { body: {}, headers: as('client') }))
        .status,
    ).toBe(403);
    expect(
      (await requestJson(`${engine.queryUrl}/orders/x`, { headers: { authorization: 'Bearer guessed' } })).status,
    ).toBe(401);
    const retry = await requestJson(`${engine.projectionUrl}/projections/catalog/dead-letters/999999/retry`, {
      body: {},
      headers: as('operator'),
    });
    expect(retry.status).toBeGreaterThanOrEqual(400);

    expect(
      await entryFor('?outcome=refused&role=client', (e) => e.path === '/projections/catalog/rebuild'),
    ).toMatchObject({
      actor: 'test-client',
      status: 403,
      service: 'projection-service',
      path: '/projections/catalog/rebuild',
    });
    expect(await entryFor('?outcome=refused&service=query-service', (e) => e.path === '/orders/x')).toMatchObject({
      actor: 'unknown',
      role: null,
      status: 401,
      detail: expect.stringMatching(/invalid credentials/),
    });
    expect(
      await entryFor('?outcome=failed', (e) => e.route === '/projections/:name/dead-letters/:id/retry'),
    ).toMatchObject({ actor: 'test-operator', status: retry.status });
  });

  it('leaves reads and orders by other roles out, and pages newest first with a cursor that keeps the filters', async () => {
    const before = (await audit('?limit=1000')).body.items.length;
    await requestJson(`${engine.queryUrl}/products`, { headers: as('client') });
    await requestJson(`${engine.commandUrl}/orders`, {
      body: { customerId: 'dave', lines: [{ sku: 'kettle', quantity: 1 }] },
      headers: as('client'),
    });
    for (const sku of ['kettle', 'kettle', 'kettle'])
      await requestJson(`${engine.commandUrl}/products/${sku}/restock`, {
        body: { quantity: 1 },
        headers: as('operator'),
      });
    const restocks = await eventually(async () => {
      const { items } = (await audit('?route=/products/:sku/restock&limit=1000')).body;
      return items.length >= 3 ? items : undefined;
    });
    const all = (await audit('?limit=1000')).body.items;
    expect(all.length).toBe(before + 3);
    expect(all.some((e) => e.actor === 'test-client' && e.outcome === 'done')).toBe(false);

    const first = await audit('?route=/products/:sku/restock&limit=2');
    expect(first.body.items.map((e) => e.id)).toEqual(restocks.slice(0, 2).map((e) => e.id));
    expect(first.body.next).toMatch(/route=.*&limit=2&before=/);
    const second = await requestJson<{ items: Entry[] }>(`${engine.projectionUrl}${first.body.next}`, {
      headers: as('operator'),
    });
    expect(second.body.items.map((e) => e.id)).toEqual(restocks.slice(2, 4).map((e) => e.id));
  });

  it('answers a bad filter with 400 and names it', async () => {
    for (const query of ['?limit=0', '?role=root', '?outcome=maybe', '?since=yesterday', '?before=-1', '?colour=red']) {
      const answer = await audit(query);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
    }
    const nul = await audit(`?actor=${encodeURIComponent('a\u0000b')}`);
    expect(nul.status).toBe(400);
  });
});

describe('access logs and correlation ids', () => {
  const requestsWith = (correlationId: string) =>
    logLines.filter((line) => line.msg === 'request' && line.correlationId === correlationId);

  it("echoes the caller's X-Correlation-Id, records it in the events, and logs the request under it", async () => {
    const correlationId = `trace-${Date.now()}`;
    const placed = await requestJson<Json>(`${engine.commandUrl}/orders`, {
      body: { customerId: 'erin', lines: [{ sku: 'kettle', quantity: 1 }] },
      headers: as('client', { 'x-correlation-id': correlationId }),
    });
    expect(placed.status).toBe(202);
    expect(placed.headers.get('x-correlation-id')).toBe(correlationId);
    const requestId = placed.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [placedEvent] = await engine.eventStore.readStream(orderStream(placed.body.orderId as string));
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
    const refused = await requestJson(`${engine.queryUrl}/orders/x`, {
      headers: { authorization: 'Bearer guessed-again', 'x-correlation-id': 'has spaces' },
    });
    expect(refused.status).toBe(401);
    const correlationId = refused.headers.get('x-correlation-id')!;
    expect(correlationId).toBe(refused.headers.get('x-request-id'));
    const [line] = await eventually(async () => {
      const lines = requestsWith(correlationId);
      return lines.length > 0 ? lines : undefined;
    });
    expect(line).toMatchObject({ method: 'GET', route: '/orders/:id', status: 401, actor: null });
  });
});

describe('identities', () => {
  const placeOrder = (role: Role, customerId: string, headers: Record<string, string> = {}) =>
    requestJson<Json>(`${engine.commandUrl}/orders`, {
      body: { customerId, lines: [{ sku: 'kettle', quantity: 1 }] },
      headers: as(role, headers),
    });

  it("lets a customer place, see and move its own orders only; another customer's are missing for it", async () => {
    expect((await placeOrder('customer', 'bob')).status).toBe(403);
    const bobs = await placeOrder('client', 'bob');
    expect(bobs.status).toBe(202);
    const bobsOrder = bobs.body.orderId as string;
    const alices = await placeOrder('customer', 'alice');
    expect(alices.status).toBe(202);

    const read = (role: Role, path: string) =>
      requestJson<Json>(`${engine.queryUrl}${path}`, {
        headers: as(role, { 'x-min-position': String(alices.body.position) }),
      });
    expect((await read('client', `/orders/${bobsOrder}`)).status).toBe(200);
    expect((await read('customer', `/orders/${bobsOrder}`)).status).toBe(404);
    expect((await read('customer', `/orders/${alices.body.orderId}`)).status).toBe(200);
    expect((await read('customer', '/customers/bob/summary')).status).toBe(404);
    expect((await read('customer', '/customers/bob/orders')).body).toEqual({ items: [], nextCursor: null });
    const own = await eventually(async () => {
      const answer = await read('customer', '/customers/alice/orders');
      return (answer.body.items as Json[]).length > 0 ? answer : undefined;
    });
    expect((own.body.items as Json[]).every((order) => order.customerId === 'alice')).toBe(true);

    const cancel = (orderId: string) =>
      requestJson<Json>(`${engine.commandUrl}/orders/${orderId}/cancel`, {
        body: { reason: 'changed my mind' },
        headers: as('customer'),
      });
    expect((await cancel(bobsOrder)).status).toBe(404);
    expect((await cancel(alices.body.orderId as string)).status).toBe(200);
  });

  it('records the authenticated identity as the actor; an X-Actor counts only as "on behalf of", from operators', async () => {
    const byClient = await placeOrder('client', 'carol', { 'x-actor': 'someone-else' });
    const byOperator = await placeOrder('operator', 'carol', { 'x-actor': 'carol-on-the-phone' });
    const metadataOf = async (orderId: string) =>
      (await engine.eventStore.readStream(orderStream(orderId)))[0]?.metadata;
    expect(await metadataOf(byClient.body.orderId as string)).toMatchObject({ actor: 'test-client', role: 'client' });
    expect(await metadataOf(byClient.body.orderId as string)).not.toHaveProperty('onBehalfOf');
    expect(await metadataOf(byOperator.body.orderId as string)).toMatchObject({
      actor: 'test-operator',
      role: 'operator',
      onBehalfOf: 'carol-on-the-phone',
    });
  });

  it('refuses pages of other origins and Host names that are not this machine', async () => {
    // fetch will not send another Host: node:http will, as a browser tricked by DNS rebinding would.
    const products = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) =>
        get(`${engine.queryUrl}/products`, { headers: as('client', headers) }, (res) => {
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

  it('answers 429 to an address after repeated bad keys, before checking them', async () => {
    const tries = [];
    for (let i = 0; i < 35; i++)
      tries.push(
        (await requestJson(`${engine.queryUrl}/products`, { headers: { authorization: `Bearer wrong-${i}` } })).status,
      );
    expect(tries.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(tries.at(-1)).toBe(429);
    // Even a good key waits out the window: the limit is per address, and says when to come back.
    const after = await requestJson(`${engine.queryUrl}/products`, { headers: as('client') });
    expect(after.status).toBe(429);
    expect(after.headers.get('retry-after')).toBe('60');
  });
});
