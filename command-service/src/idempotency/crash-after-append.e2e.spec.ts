import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, pgSql, postgresEventStore, type RecordedEvent, type Sql } from '@order-engine/shared';
import { describeWithService, freshName } from '@order-engine/shared/testing';
import { entryPoints, freePort, startService, type ServiceProcess } from '../../../e2e/processes.js';
import { requestJson, type JsonAnswer } from '../testing/http.js';

// command-service as a real process, SIGKILLed (FAULT_KILL_AFTER_APPEND_KEY) right after the append of a keyed
// command commits and before it answers. Started again, it answers the client's retry with the same key as the first
// request would have been answered, and appends nothing: one restock, one order.

interface Deployment {
  env: Record<string, string>;
  /** Every event of the store, read once the service is stopped (PGlite belongs to one process at a time). */
  events(): Promise<RecordedEvent[]>;
  cleanup(): Promise<void>;
}

const product = { sku: 'kettle', name: 'Kettle', category: 'kitchen', priceCents: 2_500, currency: 'EUR' };
const order = { customerId: 'ana', lines: [{ sku: 'kettle', quantity: 2 }] };

async function readEvents(sql: Sql, schema: string): Promise<RecordedEvent[]> {
  const store = postgresEventStore(sql, { schema });
  try {
    return await store.readAll();
  } finally {
    await store.close();
  }
}

function crashAfterAppend(name: string, deployment: () => Promise<Deployment>): void {
  const processes: ServiceProcess[] = [];
  let current: Deployment | undefined;

  afterAll(async () => {
    await Promise.all(processes.map((service) => service.kill('SIGTERM')));
    await current?.cleanup();
  });

  it(`${name}: a retry after the process died between the append and the answer gets the first answer, and runs nothing again`, async () => {
    current = await deployment();
    const port = await freePort();
    const start = async (killAfterKey: string) => {
      const service = await startService(
        'command',
        entryPoints.command,
        { ...current!.env, COMMAND_PORT: String(port), FAULT_KILL_AFTER_APPEND_KEY: killAfterKey },
        port,
      );
      processes.push(service);
      return service;
    };
    const post = (path: string, body: unknown, key?: string) =>
      requestJson(`http://127.0.0.1:${port}${path}`, {
        body,
        headers: key === undefined ? {} : { 'idempotency-key': key },
      });
    /** The request whose append kills the process: it gets no answer at all. */
    const dying = async (service: ServiceProcess, path: string, body: unknown, key: string) => {
      await expect(post(path, body, key)).rejects.toThrow();
      await service.kill('SIGTERM'); // already dead: waits for its exit
    };

    const first = await start('restock-1');
    expect((await post('/products', product)).status).toBe(201);
    await dying(first, '/products/kettle/restock', { quantity: 5 }, 'restock-1');

    const second = await start('order-1');
    const restocked = await post('/products/kettle/restock', { quantity: 5 }, 'restock-1');
    await dying(second, '/orders', order, 'order-1');

    // Started again with the same fault: were the retry appended again, the process would die again.
    await second.restart();
    const placed = await post('/orders', order, 'order-1');
    const repeated = await post('/orders', order, 'order-1');
    await second.kill('SIGTERM');

    const events = await current.events();
    const [stockAdded, ...moreStock] = events.filter((event) => event.type === 'StockAdded');
    const [orderPlaced, ...moreOrders] = events.filter((event) => event.type === 'OrderPlaced');
    expect([moreStock, moreOrders]).toEqual([[], []]);
    expect(stockAdded?.metadata.idempotencyKey).toBe('restock-1');
    const { orderId } = orderPlaced!.data as { orderId: string };
    expectReplayOf(restocked, 200, {
      sku: 'kettle',
      quantity: 5,
      revision: stockAdded!.revision,
      position: stockAdded!.position.toString(),
    });
    expectReplayOf(placed, 202, { orderId, status: 'placed', revision: 0, position: orderPlaced!.position.toString() });
    expect(placed.headers.get('location')).toBe(`http://127.0.0.1:3001/orders/${orderId}`); // the query API's default port
    expect([repeated.status, repeated.body]).toEqual([202, placed.body]);
  }, 300_000); // four process starts, each opening its database (PGlite's takes seconds)
}

function expectReplayOf(answer: JsonAnswer, status: number, body: Record<string, unknown>): void {
  expect([answer.status, answer.body]).toEqual([status, body]);
  expect(answer.headers.get('idempotent-replayed')).toBe('true');
}

const quiet = { LOG_LEVEL: 'warn', SEED_DEMO: 'false', HOST: '127.0.0.1' };

describe('command-service killed between an append and its answer', () => {
  crashAfterAppend('PGlite', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'crash-after-append-'));
    return {
      env: { ...quiet, EVENT_STORE: 'pglite', READ_DB: 'pglite', DATA_DIR: dataDir },
      async events() {
        const sql = await openPglite(join(dataDir, 'pglite'));
        try {
          return await readEvents(sql, 'eventstore');
        } finally {
          await sql.close();
        }
      },
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  });

  describeWithService('DATABASE_URL', 'on PostgreSQL', (databaseUrl) => {
    crashAfterAppend('PostgreSQL', async () => {
      const id = freshName('crash');
      const sql = pgSql(databaseUrl);
      const env = {
        ...quiet,
        EVENT_STORE: 'postgres',
        READ_DB: 'postgres',
        DATABASE_URL: databaseUrl,
        EVENT_STORE_SCHEMA: `${id}_events`,
        READ_MODEL_PREFIX: `${id}_`,
      };
      return {
        env,
        events: () => readEvents(sql, env.EVENT_STORE_SCHEMA),
        async cleanup() {
          await sql.exec(
            `drop schema if exists ${env.EVENT_STORE_SCHEMA} cascade; drop schema if exists ${env.READ_MODEL_PREFIX}commands cascade; drop schema if exists ${env.READ_MODEL_PREFIX}audit cascade`,
          );
          await sql.close();
        },
      };
    });
  });
});
