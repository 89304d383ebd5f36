import { describe, expect, it } from 'vitest';
import { answerViolations, type ContractAnswer } from './answer-check.js';
import { exampleDoc } from './example-doc.js';
import { isOpenApi31, type OpenApiDoc } from './openapi-doc.js';

const orderId = '0b6f2a52-6c6e-4a59-9a3a-0f3b8f2f1c11';
const order = { orderId, status: 'placed', placedAt: '2026-03-01T10:00:00Z', note: null, lines: [{ sku: 'lamp' }] };
const ids = { 'x-request-id': 'r1' };
const json = (value: unknown, contentType = 'application/json; charset=utf-8') => ({
  headers: { 'content-type': contentType, 'x-request-id': 'r1' },
  body: JSON.stringify(value),
});
const check = (answer: Partial<ContractAnswer> & Pick<ContractAnswer, 'status'>, doc: OpenApiDoc = exampleDoc) =>
  answerViolations(doc, { method: 'GET', path: `/orders/${orderId}`, headers: {}, ...answer });
const problem = (status: number) => json({ type: 'not-found', title: 'Not Found', status }, 'application/problem+json');

describe('answerViolations: documented answers pass', () => {
  it('a JSON body that matches its schema through refs, with its declared and generic headers', () => {
    const answer = json(order);
    const headers = {
      ...answer.headers,
      'X-Cache': 'hit',
      date: 'now',
      etag: 'W/"1"',
      'access-control-allow-origin': '*',
    };
    expect(check({ status: 200, ...answer, headers })).toEqual([]);
    expect(check({ status: 200, ...answer, path: `/orders/${orderId}?fields=all` })).toEqual([]);
  });

  it('responses, headers and schemas given as $refs to components, and range keys (5XX)', () => {
    expect(check({ status: 404, ...problem(404) })).toEqual([]);
    const unavailable = problem(503);
    expect(check({ status: 503, ...unavailable, headers: { ...unavailable.headers, 'retry-after': '1' } })).toEqual([]);
  });

  it('answers without a body (204, HEAD) need no content', () => {
    expect(check({ method: 'POST', path: `/orders/${orderId}/pay`, status: 204, headers: ids })).toEqual([]);
    expect(check({ method: 'HEAD', status: 200, headers: { ...ids, 'content-type': 'application/json' } })).toEqual([]);
  });

  it('a concrete path wins over a template; other media types are only looked up', () => {
    expect(
      check({ path: '/orders/stats', status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }),
    ).toEqual([]);
    expect(check({ path: '/metrics', status: 200, headers: { 'content-type': 'text/plain' }, body: 'up 1\n' })).toEqual(
      [],
    );
    const csv = { 'content-type': 'text/csv; charset=utf-8; header=present', ...ids };
    expect(check({ path: '/history/events', status: 200, headers: csv, body: 'type\nA\n' })).toEqual([]);
  });

  it('NDJSON: every line matches the schema of one line', () => {
    const body = '{"type":"A"}\n{"type":"B"}\n';
    const headers = { 'content-type': 'application/x-ndjson; charset=utf-8', ...ids };
    expect(check({ path: '/history/events?limit=2', status: 200, headers, body })).toEqual([]);
  });

  it('an unknown route answered 404 with a problem, or 405 for another method of a documented path', () => {
    expect(check({ path: '/no/such/thing', status: 404, ...problem(404) })).toEqual([]);
    expect(check({ method: 'DELETE', status: 405, ...problem(405) })).toEqual([]);
  });
});

describe('answerViolations: what it finds', () => {
  it('a status the operation does not document', () => {
    const answer = { method: 'POST', path: `/orders/${orderId}/pay`, status: 418, ...problem(418) };
    expect(check(answer)).toEqual(['POST /orders/{id}/pay 418: status not documented (documented: 200, 204)']);
  });

  it('a body that does not match its schema, down through nested refs, formats included', () => {
    const [violation, ...more] = check({ status: 200, ...json({ ...order, status: 'lost', lines: [{}] }) });
    expect(more).toEqual([]);
    expect(violation).toMatch(/^GET \/orders\/\{id\} 200: body does not match its schema: /);
    expect(violation).toContain('/status must be equal to one of the allowed values');
    expect(violation).toContain("/lines/0 must have required property 'sku'");
    expect(check({ status: 200, ...json({ ...order, orderId: 'not-a-uuid' }) })).toEqual([
      'GET /orders/{id} 200: body does not match its schema: /orderId must match format "uuid"',
    ]);
    expect(check({ status: 200, headers: json(order).headers, body: '{"orderId":' })[0]).toMatch(/body is not JSON/);
  });

  it('a header the response does not declare, and a required one missing', () => {
    const answer = json(order);
    expect(check({ status: 200, ...answer, headers: { ...answer.headers, 'X-Stale': 'true' } })).toEqual([
      'GET /orders/{id} 200: header x-stale not documented',
    ]);
    expect(check({ status: 200, body: answer.body, headers: { 'content-type': 'application/json' } })).toEqual([
      'GET /orders/{id} 200: required header x-request-id missing',
    ]);
  });

  it('an unknown route not answered 404 with a problem', () => {
    expect(check({ path: '/no/such/thing', status: 200, ...json({}) })).toEqual([
      'GET /no/such/thing 200: route not documented, and not answered 404',
    ]);
    expect(
      check({ path: '/no/such/thing', status: 404, headers: { 'content-type': 'text/html' }, body: '<p>' }),
    ).toEqual(['GET /no/such/thing 404: route not documented, and answered text/html, not a problem']);
    expect(check({ path: '/no/such/thing', status: 404, ...json({ error: 'gone' }) })[0]).toMatch(
      /^GET \/no\/such\/thing 404 \(route not documented\): body does not match its schema: .*'type'/,
    );
    expect(check({ path: '/nothing', status: 405, ...problem(405) })[0]).toMatch(/not answered 404/);
  });

  it('a media type the response does not document, a body without one, no body where one is documented', () => {
    expect(check({ status: 200, headers: { ...ids, 'content-type': 'text/html' }, body: '<p>' })).toEqual([
      'GET /orders/{id} 200: media type text/html not documented (documented: application/json)',
    ]);
    expect(check({ status: 200, headers: ids, body: '{}' })).toEqual([
      'GET /orders/{id} 200: a body without a content-type',
    ]);
    expect(check({ status: 200, headers: ids })).toEqual([
      'GET /orders/{id} 200: no body, but the response documents application/json',
    ]);
  });

  it('NDJSON: the first line that fails and how many more; a cut-short stream is judged on its whole lines', () => {
    const headers = { 'content-type': 'application/x-ndjson', ...ids };
    const body = '{"type":"A"}\n{"kind":"B"}\nnot json\n';
    expect(check({ path: '/history/events', status: 200, headers, body })).toEqual([
      "GET /history/events 200: line 2 does not match its schema: (root) must have required property 'type' (and 1 more lines)",
    ]);
    expect(
      check({ path: '/history/events', status: 200, headers, body: '{"type":"A"}\n{"ty', truncated: true }),
    ).toEqual([]);
    expect(check({ status: 200, ...json(order), body: '{"orderId":', truncated: true })).toEqual([]);
  });

  it('a schema of the document that does not compile is told, not thrown', () => {
    const broken: OpenApiDoc = {
      ...exampleDoc,
      components: { ...exampleDoc.components, schemas: { Line: { type: 'object' } } },
    };
    expect(check({ status: 200, ...json(order) }, broken)[0]).toMatch(/schema at .* does not compile/);
  });
});

it('isOpenApi31 takes 3.1 documents only', () => {
  expect(isOpenApi31(exampleDoc)).toBe(true);
  expect(isOpenApi31({ openapi: '3.0.3' })).toBe(false);
  expect(isOpenApi31({ swagger: '2.0' })).toBe(false);
});
