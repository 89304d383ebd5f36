import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractCheck, contractFailure, ContractViolation } from './checked-fetch.js';
import { exampleDoc } from './example-doc.js';

// The checked fetch against real servers: one that describes itself with the example document and answers some
// requests in ways it leaves out, one that serves no description.

const orderId = '0b6f2a52-6c6e-4a59-9a3a-0f3b8f2f1c11';
const order = { orderId, status: 'placed', placedAt: '2026-03-01T10:00:00Z' };
const asked: string[] = [];

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'r1', ...headers });
  res.end(JSON.stringify(body));
}

function describedApi(req: IncomingMessage, res: ServerResponse) {
  asked.push(`${req.method} ${req.url}`);
  if (req.url === '/openapi.json') return send(res, 200, exampleDoc);
  if (req.url === `/orders/${orderId}`) return send(res, 200, order);
  if (req.url === '/orders/stale') return send(res, 200, order, { 'X-Stale': 'true' });
  if (req.url?.endsWith('/pay')) return send(res, 418, { type: 'teapot', title: 'I am a teapot', status: 418 });
  if (req.url === '/history/events') {
    // Endless: a good line, a bad one, then a good one every 20 ms until the client goes.
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-request-id': 'r1' });
    res.write('{"type":"A"}\n{"kind":"B"}\n');
    const timer = setInterval(() => res.write('{"type":"C"}\n'), 20);
    return res.once('close', () => clearInterval(timer));
  }
  send(res, 404, { type: 'no-route', title: 'Not Found', status: 404 }, { 'content-type': 'application/problem+json' });
}

let described: Server;
let plain: Server;
let api = '';
let other = '';
const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  described = createServer(describedApi);
  plain = createServer((req, res) => (asked.push(`plain ${req.url}`), send(res, 299, 'anything', { 'x-what': '?' })));
  api = await listen(described);
  other = await listen(plain);
});
afterAll(async () => {
  for (const server of [described, plain]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('contractCheck', () => {
  it('passes documented answers, and hands the caller the answer unchanged', async () => {
    const check = contractCheck();
    const answer = await check.fetch(`${api}/orders/${orderId}`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual(order);
    const unknown = await check.fetch(`${api}/no/such/route`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(await check.takeViolations()).toEqual([]);
    expect(await contractFailure(check)).toBeUndefined();
  });

  it('records an undocumented status and header, and the hook fails on them', async () => {
    const check = contractCheck();
    await check.fetch(`${api}/orders/${orderId}/pay`, { method: 'POST', body: '{}' });
    // The caller does not read these bodies: the check still reads its copy.
    await check.fetch(`${api}/orders/stale`);
    await check.fetch(`${api}/orders/stale`);
    const failure = await contractFailure(check);
    expect(failure).toBeInstanceOf(ContractViolation);
    expect(failure?.message.split('\n')).toEqual([
      'answers the API description does not document:',
      '  POST /orders/{id}/pay 418: status not documented (documented: 200, 204)',
      '  GET /orders/{id} 200: header x-stale not documented (2 times)',
    ]);
    expect(await contractFailure(check)).toBeUndefined(); // taken: the next test starts clean
  });

  it('judges a stream the caller abandoned on what arrived, without waiting for its end', async () => {
    const check = contractCheck();
    const answer = await check.fetch(`${api}/history/events`);
    const reader = answer.body!.getReader();
    await reader.read();
    await reader.cancel();
    const started = Date.now();
    expect(await check.takeViolations(300)).toEqual([
      "GET /history/events 200: line 2 does not match its schema: (root) must have required property 'type'",
    ]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('judges a stream the caller still reads at the grace period, and lets it flow on', async () => {
    const check = contractCheck();
    const answer = await check.fetch(`${api}/history/events`);
    expect(answer.url).toBe(`${api}/history/events`);
    expect(answer.headers.get('x-request-id')).toBe('r1');
    const reader = answer.body!.getReader();
    const started = Date.now();
    expect(await check.takeViolations(200)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    let text = '';
    while (!text.includes('"C"')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
  });

  it('leaves origins without a description alone, and asks each origin for it once', async () => {
    const check = contractCheck();
    asked.length = 0;
    for (let i = 0; i < 3; i++) expect((await check.fetch(`${other}/x`)).status).toBe(299);
    for (let i = 0; i < 3; i++) await check.fetch(`${api}/orders/${orderId}`);
    expect(await check.takeViolations()).toEqual([]);
    expect(asked.filter((request) => request.includes('/openapi.json'))).toEqual([
      'plain /openapi.json',
      'GET /openapi.json',
    ]);
  });

  it('install puts the checked fetch in globalThis.fetch, uninstall the raw one back', async () => {
    const raw = globalThis.fetch;
    const check = contractCheck();
    check.install();
    try {
      expect(globalThis.fetch).toBe(check.fetch);
      await fetch(new Request(`${api}/orders/${orderId}/pay`, { method: 'POST' }));
    } finally {
      check.uninstall();
    }
    expect(globalThis.fetch).toBe(raw);
    check.install();
    const over = contractCheck(); // made over an installed check: sends with the raw fetch, not through the other check
    check.uninstall();
    await over.fetch(`${api}/orders/${orderId}/pay`, { method: 'POST' });
    expect(await over.takeViolations()).toHaveLength(1);
    expect(await check.takeViolations()).toEqual([
      'POST /orders/{id}/pay 418: status not documented (documented: 200, 204)',
    ]);
  });
});
