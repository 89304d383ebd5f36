import { afterAll, beforeAll, expect, it } from 'vitest';
import { NO_AUTH } from '../auth/access.js';
import { createLogger } from '../logging/logger.js';
import { createApp, finishApp } from './app.js';
import { listen, type RunningServer } from './listen.js';

// Lines logged by a handler, after its body was parsed and after an await, carry the request's ids. (The routes are
// the policy table's: the access check answers 404 to any other.)
const lines: Record<string, unknown>[] = [];
const logger = createLogger('info', {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
let server: RunningServer;

beforeAll(async () => {
  const app = createApp('test', { access: NO_AUTH, logger });
  app.post('/orders', async (req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    logger.warn('handling', { name: (req.body as { name: string }).name });
    res.status(201).json({});
  });
  app.get('/orders/:id', () => {
    throw new Error('boom');
  });
  server = await listen(finishApp(app, logger), { host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

const post = (headers: Record<string, string> = {}) =>
  fetch(`${server.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name: 'kettle' }),
  });

it('gives every line logged while handling a request its request and correlation ids', async () => {
  const answer = await post({ 'x-correlation-id': 'c-42' });
  const requestId = answer.headers.get('x-request-id');
  expect(answer.headers.get('x-correlation-id')).toBe('c-42');
  await expect
    .poll(() => lines.find((line) => line.msg === 'request' && line.requestId === requestId))
    .toMatchObject({
      correlationId: 'c-42',
      method: 'POST',
      path: '/orders',
      status: 201,
    });
  expect(lines.find((line) => line.msg === 'handling' && line.requestId === requestId)).toMatchObject({
    correlationId: 'c-42',
    name: 'kettle',
  });
});

it('keeps concurrent requests apart, and logs a failure under its request', async () => {
  const answers = await Promise.all(['a', 'b', 'c'].map((id) => post({ 'x-correlation-id': id })));
  for (const answer of answers) {
    const requestId = answer.headers.get('x-request-id');
    const handling = lines.find((line) => line.msg === 'handling' && line.requestId === requestId);
    expect(handling?.correlationId).toBe(answer.headers.get('x-correlation-id'));
  }
  const failed = await fetch(`${server.url}/orders/boom`);
  expect(failed.status).toBe(500);
  expect(lines.find((line) => line.msg === 'request failed')).toMatchObject({
    requestId: failed.headers.get('x-request-id'),
  });
});

it('logs nothing with no logger, and still answers with ids', async () => {
  const quiet = createApp('quiet', { access: NO_AUTH });
  quiet.get('/products', (_req, res) => res.json({}));
  const running = await listen(finishApp(quiet, createLogger('silent')), { host: '127.0.0.1', port: 0 });
  const before = lines.length;
  const answer = await fetch(`${running.url}/products`);
  await running.close();
  expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(lines.length).toBe(before);
});
