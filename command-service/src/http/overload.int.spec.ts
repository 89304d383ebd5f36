import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryService, type QueryService } from '@order-engine/query-service';
import {
  NO_AUTH,
  listen,
  memoryCache,
  openPgliteWorker,
  postgresEventStore,
  silentLogger,
  type EventStore,
  type RunningServer,
  type Sql,
} from '@order-engine/shared';
import { freshName } from '@order-engine/shared/testing';
import { registerProduct } from '../testing/scenario.js';
import { startCommandService, type RunningCommandService } from '../testing/test-command-service.js';

// Load shedding, end to end in one process on PGlite in its worker thread (as `npm start` runs it): a flood of orders
// far past what a command service with small limits can take. Every request gets an answer: accepted (202),
// or refused with 503 and Retry-After within a second, and a refusal writes nothing. Queries keep being answered.

const FLOOD = 200;
// Bursts of more than the service holds (concurrency + queue), so that the flood is past capacity on any machine.
const BURST = 20;
const BURST_EVERY_MS = 20;
const LIMITS = { concurrency: 2, queueLimit: 8 };

let sql: Sql;
let eventStore: EventStore;
let commands: RunningCommandService;
let queries: { service: QueryService; server: RunningServer };

beforeAll(async () => {
  sql = await openPgliteWorker(undefined);
  const prefix = `${freshName('overload')}_`;
  eventStore = postgresEventStore(sql, { schema: `${prefix}events`, singleProcess: true });
  commands = await startCommandService({ eventStore, sql, prefix, admission: LIMITS, soleWriter: true });
  const service = createQueryService({
    access: NO_AUTH,
    readDb: sql,
    eventStore,
    cache: memoryCache({ maxEntries: 100 }),
    prefix,
    logger: silentLogger,
    readYourWritesTimeoutMs: 1_000,
  });
  queries = { service, server: await listen(service.app, { host: '127.0.0.1', port: 0 }) };
});

afterAll(async () => {
  await queries?.server.close();
  await queries?.service.close();
  await commands?.stop();
  await eventStore?.close();
  await sql?.close();
});

interface Outcome {
  status: number | 'socket error';
  retryAfter: string | null;
  ms: number;
}

/** One request on a connection of its own (no pool to queue in), timed from send to the answer's last byte. */
function timed(
  url: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
      },
      (res) => {
        res.resume();
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] ?? null,
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.once('error', () => resolve({ status: 'socket error', retryAfter: null, ms: performance.now() - started }));
    req.end(body);
  });
}

const placeOrder = (i: number) =>
  timed(`${commands.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': `flood-${i}` },
    body: JSON.stringify({ customerId: `customer-${i % 20}`, lines: [{ sku: 'LAMP', quantity: 1 }] }),
  });

describe('a command service past its capacity', () => {
  it('answers every command: accepted, or 503 with Retry-After within a second; queries keep being answered', async () => {
    await registerProduct(commands, 'LAMP', 100_000);
    // Warm: the first requests of a process compile its code, which a busy machine makes slow.
    for (let i = 0; i < 20; i++) expect((await placeOrder(-1 - i)).status).toBe(202);
    const head = await eventStore.headPosition();

    let flooding = true;
    const queried: Outcome[] = [];
    const queryMeanwhile = (async () => {
      while (flooding) {
        queried.push(await timed(`${queries.server.url}/history/streams/product-LAMP`));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    // Open loop, as clients arrive: a burst every BURST_EVERY_MS whatever the answers, many times what fits.
    const sent: Promise<Outcome>[] = [];
    for (let i = 0; i < FLOOD; i++) {
      sent.push(placeOrder(i));
      if ((i + 1) % BURST === 0) await new Promise((resolve) => setTimeout(resolve, BURST_EVERY_MS));
    }
    const flood = await Promise.all(sent);
    flooding = false;
    await queryMeanwhile;

    const accepted = flood.filter((o) => o.status === 202);
    const refused = flood.filter((o) => o.status === 503);
    expect(flood.filter((o) => o.status !== 202 && o.status !== 503)).toEqual([]);
    expect(refused.length, 'the flood went past capacity').toBeGreaterThan(0);
    // The slots at least; of the waiters, as many as the line could serve within half a second on this machine.
    expect(accepted.length).toBeGreaterThanOrEqual(LIMITS.concurrency);
    expect(refused.filter((o) => o.retryAfter !== '1')).toEqual([]);
    expect(refused.filter((o) => o.ms >= 1_000)).toEqual([]);
    expect(queried.length).toBeGreaterThan(0);
    expect(queried.filter((o) => o.status !== 200)).toEqual([]);

    // A refusal writes nothing, and its Idempotency-Key stays free: a retry runs as a first try.
    const placed = (await eventStore.readAll({ after: head, limit: 10_000 })).filter(
      (event) => event.type === 'OrderPlaced',
    );
    expect(placed.length).toBe(accepted.length);
    const retried = await placeOrder(flood.indexOf(refused[0]!));
    expect(retried.status).toBe(202);
  });
});
