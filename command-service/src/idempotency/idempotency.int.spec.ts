import { expect, it } from 'vitest';
import { productStream, type EventStore } from '@order-engine/shared';
import { onEveryDatabase, type TestDatabase } from '../testing/databases.js';
import type { RunningCommandService } from '../testing/test-command-service.js';
import { requestFingerprint } from './fingerprint.js';
import { sqlIdempotencyStore } from './idempotency-store.js';

const product = { sku: 'LAMP', name: 'Lamp', category: 'home', priceCents: 1_999, currency: 'EUR' };
const withKey = (key: string) => ({ 'idempotency-key': key });

async function registered(database: TestDatabase): Promise<RunningCommandService> {
  const service = await database.start({ saga: false });
  expect((await service.request('/products', { body: product })).status).toBe(201);
  return service;
}

const eventTypes = async (store: EventStore, sku = product.sku) =>
  (await store.readStream(productStream(sku))).map((event) => event.type);

onEveryDatabase('Idempotency-Key', (database) => {
  it('without a key, every request executes', async () => {
    const service = await registered(database());
    await service.request('/products/LAMP/restock', { body: { quantity: 1 } });
    await service.request('/products/LAMP/restock', { body: { quantity: 1 } });
    expect(await eventTypes(database().eventStore)).toEqual(['ProductRegistered', 'StockAdded', 'StockAdded']);
  });

  it('a repeat gets the first answer, marked as replayed, and executes nothing', async () => {
    const service = await registered(database());
    const first = await service.request('/products/LAMP/restock', {
      body: { quantity: 4 },
      headers: withKey('restock-1'),
    });
    const repeat = await service.request('/products/LAMP/restock', {
      body: { quantity: 4 },
      headers: withKey('restock-1'),
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.headers.get('content-type')).toContain('application/json');
    expect(await eventTypes(database().eventStore)).toEqual(['ProductRegistered', 'StockAdded']);
    const [, added] = await database().eventStore.readStream(productStream('LAMP'));
    expect(added?.metadata.idempotencyKey).toBe('restock-1');
  });

  it('replays the status and Location of a 201, also with the body keys in another order', async () => {
    const service = await database().start({ saga: false });
    const first = await service.request('/products', { body: product, headers: withKey('register-1') });
    const reordered = Object.fromEntries(Object.entries(product).reverse());
    const repeat = await service.request('/products', { body: reordered, headers: withKey('register-1') });
    expect(first.status).toBe(201);
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get('location')).toBe('http://127.0.0.1:3001/products/LAMP');
    expect(repeat.body).toEqual(first.body);
  });

  it('refuses the same key with a different body or path (422), and executes nothing', async () => {
    const service = await registered(database());
    await service.request('/products/LAMP/restock', { body: { quantity: 4 }, headers: withKey('k') });
    const otherBody = await service.request('/products/LAMP/restock', { body: { quantity: 5 }, headers: withKey('k') });
    const otherPath = await service.request('/products/LAMP/price', { body: { quantity: 4 }, headers: withKey('k') });
    for (const answer of [otherBody, otherPath]) {
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ status: 422, type: '/problems/idempotency-key-reused' });
    }
    expect(await eventTypes(database().eventStore)).toEqual(['ProductRegistered', 'StockAdded']);
  });

  it('concurrent duplicates execute once: the others are told it is in progress, or get the replay', async () => {
    const service = await registered(database());
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        service.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey('burst') }),
      ),
    );
    const executed = answers.filter(
      (answer) => answer.status === 200 && answer.headers.get('idempotent-replayed') === null,
    );
    const replayed = answers.filter((answer) => answer.headers.get('idempotent-replayed') === 'true');
    const inProgress = answers.filter((answer) => answer.status === 409);
    expect(executed).toHaveLength(1);
    expect(replayed.length + inProgress.length).toBe(11);
    for (const answer of inProgress) expect(answer.body).toMatchObject({ type: '/problems/idempotency-key-in-use' });
    expect(await eventTypes(database().eventStore)).toEqual(['ProductRegistered', 'StockAdded']);
  });

  it('concurrent claims and answers share statements, and each key still gets exactly its own outcome', async () => {
    const { sql, prefix } = database();
    let statements = 0;
    const counting = {
      ...sql,
      query: ((text: string, params?: readonly unknown[]) => (
        statements++,
        sql.query(text, params)
      )) as typeof sql.query,
    };
    const store = sqlIdempotencyStore(counting, { prefix });
    await store.migrate();
    statements = 0;
    // 30 keys, and a key asked for three times within the same burst: only the first of those takes it.
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    const claims = await Promise.all([...keys, 'twice', 'twice', 'twice'].map((key) => store.claim(key, `fp-${key}`)));
    expect(claims.slice(0, 30).every((claim) => claim.kind === 'claimed')).toBe(true);
    expect(claims.slice(30).map((claim) => claim.kind)).toEqual(['claimed', 'in-progress', 'in-progress']);
    // A body JSON holds, whatever text it carries (jsonb would refuse \u0000).
    const answerOf = (key: string) => ({
      status: 201,
      headers: { location: `/orders/${key}` },
      body: JSON.stringify({ key, note: 'nul \u0000 here' }),
    });
    await Promise.all(keys.map((key) => store.complete(key, answerOf(key))));
    expect(statements).toBeLessThan(2 * keys.length);
    for (const key of keys)
      expect(await store.claim(key, `fp-${key}`)).toEqual({ kind: 'replay', answer: answerOf(key) });
    expect(await store.claim('key-1', 'another request')).toEqual({ kind: 'mismatch' });
  });

  it('finishing some keys while claiming others in the same burst: new keys are taken, finished ones never again', async () => {
    const { sql, prefix } = database();
    const store = sqlIdempotencyStore(sql, { prefix });
    await store.migrate();
    const first = Array.from({ length: 10 }, (_, i) => `first-${i}`);
    await Promise.all(first.map((key) => store.claim(key, 'fp')));
    const answer = { status: 200, headers: {}, body: '{}' };
    const [, claims, repeats] = await Promise.all([
      Promise.all(first.map((key) => store.complete(key, answer))),
      Promise.all(Array.from({ length: 10 }, (_, i) => store.claim(`second-${i}`, 'fp'))),
      Promise.all(first.slice(0, 3).map((key) => store.claim(key, 'fp'))),
    ]);
    expect(claims.map((claim) => claim.kind)).toEqual(Array.from({ length: 10 }, () => 'claimed'));
    for (const repeat of repeats) expect(['in-progress', 'replay']).toContain(repeat.kind);
    for (const key of first) expect(await store.claim(key, 'fp')).toEqual({ kind: 'replay', answer });
  });

  it('keeps 4xx answers: the repeat of a 404 stays a 404 even once the product exists', async () => {
    const service = await database().start({ saga: false });
    const first = await service.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey('early') });
    expect(first.status).toBe(404);
    await service.request('/products', { body: product });
    const repeat = await service.request('/products/LAMP/restock', {
      body: { quantity: 1 },
      headers: withKey('early'),
    });
    expect(repeat.status).toBe(404);
    expect(repeat.headers.get('content-type')).toContain('application/problem+json');
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(await eventTypes(database().eventStore)).toEqual(['ProductRegistered']);
  });

  it('does not keep a 5xx: the retry executes', async () => {
    const { eventStore } = database();
    let failures = 1;
    const flaky: EventStore = {
      ...eventStore,
      append: (...args) => (failures-- > 0 ? Promise.reject(new Error('disk on fire')) : eventStore.append(...args)),
    };
    const service = await database().start({ saga: false, eventStore: flaky });
    const first = await service.request('/products', { body: product, headers: withKey('flaky') });
    expect(first.status).toBe(500);
    const retry = await service.request('/products', { body: product, headers: withKey('flaky') });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });

  it('survives a restart: another instance on the same database replays the answer', async () => {
    const before = await registered(database());
    const first = await before.request('/products/LAMP/restock', {
      body: { quantity: 2 },
      headers: withKey('durable'),
    });
    await before.stop();
    const after = await database().start({ saga: false });
    const repeat = await after.request('/products/LAMP/restock', {
      body: { quantity: 2 },
      headers: withKey('durable'),
    });
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body).toEqual(first.body);
    expect(await eventTypes(database().eventStore)).toEqual(['ProductRegistered', 'StockAdded']);
  });

  it('a key left running by a crashed process is taken over after the lease; before that, it is in progress', async () => {
    const { sql, prefix } = database();
    const service = await registered(database());
    const fingerprint = requestFingerprint('POST', '/products/LAMP/restock', { quantity: 1 });
    await sql.query(
      `INSERT INTO ${prefix}commands.idempotency_keys (key, fingerprint, state, started_at) VALUES ('fresh', $1, 'running', now()), ('stale', $1, 'running', now() - interval '1 hour')`,
      [fingerprint],
    );
    const fresh = await service.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey('fresh') });
    expect(fresh.status).toBe(409);
    expect(fresh.headers.get('retry-after')).toBe('1');
    const stale = await service.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey('stale') });
    expect(stale.status).toBe(200);
  });

  it('forgets a key once its request started longer ago than the TTL: a repeat executes again; a younger key still replays', async () => {
    const { sql, prefix } = database();
    const service = await database().start({ saga: false, idempotencyKeyTtlMs: 3_600_000 });
    expect((await service.request('/products', { body: product })).status).toBe(201);
    for (const key of ['old', 'young'])
      expect(
        (await service.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey(key) })).status,
      ).toBe(200);
    await sql.query(
      `UPDATE ${prefix}commands.idempotency_keys SET started_at = now() - interval '2 hours' WHERE key = 'old'`,
    );
    await service.service.housekeeping.tick();
    const old = await service.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey('old') });
    const young = await service.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey('young') });
    expect([old.status, old.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect([young.status, young.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(await eventTypes(database().eventStore)).toEqual([
      'ProductRegistered',
      'StockAdded',
      'StockAdded',
      'StockAdded',
    ]);
  });

  it('expires old keys in batches, done or left running, and keeps the younger ones', async () => {
    const { sql, prefix } = database();
    const keys = sqlIdempotencyStore(sql, { prefix });
    await keys.migrate();
    const table = `${prefix}commands.idempotency_keys`;
    await sql.exec(
      `INSERT INTO ${table} (key, fingerprint, state, started_at) SELECT 'old-' || n, 'f', CASE WHEN n % 2 = 0 THEN 'done' ELSE 'running' END, now() - interval '2 days' FROM generate_series(1, 5003) AS n;
       INSERT INTO ${table} (key, fingerprint, state, started_at) VALUES ('young-done', 'f', 'done', now() - interval '1 hour'), ('young-running', 'f', 'running', now());`,
    );
    expect(await keys.expire(86_400_000)).toBe(5_003);
    expect((await sql.query<{ key: string }>(`SELECT key FROM ${table} ORDER BY key`)).map((row) => row.key)).toEqual([
      'young-done',
      'young-running',
    ]);
    expect(await keys.expire(86_400_000)).toBe(0);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(201)],
    ['with a space', 'two words'],
    ['not ASCII', 'cl\u00e9'],
  ])('refuses a key that is %s (400) and executes nothing', async (_case, key) => {
    const service = await registered(database());
    const answer = await service.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey(key) });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 400, type: '/problems/invalid-header' });
    expect(await eventTypes(database().eventStore)).toEqual(['ProductRegistered']);
  });

  it('accepts a key of 200 visible characters', async () => {
    const service = await registered(database());
    const answer = await service.request('/products/LAMP/restock', {
      body: { quantity: 1 },
      headers: withKey('~'.repeat(200)),
    });
    expect(answer.status).toBe(200);
  });
});
