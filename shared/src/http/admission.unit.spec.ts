import { afterAll, beforeAll, expect, it } from 'vitest';
import { admissionLimiter, type Overloaded } from '../async/admission-limiter.js';
import { apiKeys, parseApiKeys } from '../auth/api-keys.js';
import { silentLogger } from '../logging/logger.js';
import { createApp, finishApp } from './app.js';
import { listen, type RunningServer } from './listen.js';

// Load shedding in front of an app with credentials: one command slot and no queue, held by a command that answers
// when the test says. The routes are the policy table's.

const KEY = 'client-secret-0123456789abcdef';
const PAGE = 'http://console.example';
const shed: Overloaded['reason'][] = [];
const held: (() => void)[] = [];
const limiter = admissionLimiter({ concurrency: 1, queueLimit: 0, maxWaitMs: 500 });
let server: RunningServer;

beforeAll(async () => {
  const app = createApp('test', {
    access: { mode: 'checked', keys: apiKeys(parseApiKeys(`shop:client:${KEY}`)), corsOrigins: [PAGE] },
    admission: { limiter, onShed: (_req, refusal) => shed.push(refusal.reason) },
  });
  app.post('/orders', (_req, res) => {
    held.push(() => res.status(202).json({}));
  });
  app.get('/orders/:id', (_req, res) => res.json({ id: 'o-1' }));
  server = await listen(finishApp(app, silentLogger), { host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

const post = (headers: Record<string, string>) =>
  fetch(`${server.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ customerId: 'c-1', lines: [] }),
  });

it('refuses a command past capacity before its credentials are read, and a page its refusal with CORS headers', async () => {
  const running = post({ authorization: `Bearer ${KEY}` });
  await expect.poll(() => limiter.status().inFlight).toBe(1);
  expect((await post({ authorization: `Bearer ${KEY}` })).status).toBe(503);

  // No credentials, or wrong ones: while every slot is taken, still a 503, and no failed-credentials count for it.
  for (const headers of [{}, { authorization: 'Bearer wrong-key-0123456789abcdef' }] as Record<string, string>[]) {
    const answer = await post(headers);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await answer.json()).toEqual({
      type: expect.stringMatching(/overloaded$/),
      title: 'Service Unavailable',
      status: 503,
      detail: 'too many requests are waiting; retry in a second',
    });
  }
  // A page's request takes the full path: its origin is checked and allowed, then it is refused with CORS headers.
  const fromPage = await post({ authorization: `Bearer ${KEY}`, origin: PAGE });
  expect(fromPage.status).toBe(503);
  expect(fromPage.headers.get('access-control-allow-origin')).toBe(PAGE);
  expect((await post({ origin: 'http://evil.example' })).status).toBe(403);
  // Reads are never shed.
  expect((await fetch(`${server.url}/orders/o-1`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
  expect(shed.length).toBeGreaterThanOrEqual(4);
  expect(new Set(shed)).toEqual(new Set(['queue-full']));

  await expect.poll(() => held.length).toBe(1);
  held.shift()!();
  expect((await running).status).toBe(202);
  expect((await post({})).status).toBe(401);
});
