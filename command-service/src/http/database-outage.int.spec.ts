import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { pgPool, pgSql, postgresEventStore, type EventStore, type Sql } from '@order-engine/shared';
import { describeWithService, freshName, startTcpProxy, type TcpProxy } from '@order-engine/shared/testing';
import { startCommandService, type RunningCommandService } from '../testing/test-command-service.js';
import { eventually } from '../testing/http.js';

// The command API in front of a PostgreSQL that stops answering or restarts, played by a TCP proxy the test controls
// (the real server is shared by other tests and is never touched).

const timeouts = { connectMs: 500, statementMs: 1_000, queryMs: 1_000 };

describeWithService('DATABASE_URL', 'command service, PostgreSQL out of reach', (databaseUrl) => {
  let proxy: TcpProxy;
  let direct: Sql;
  let sql: Sql;
  let eventStore: EventStore;
  let service: RunningCommandService;
  let prefix: string;

  beforeEach(async () => {
    const { hostname, port } = new URL(databaseUrl);
    proxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
    direct = pgSql(databaseUrl);
    sql = pgSql(pgPool(proxy.url(databaseUrl), timeouts));
    prefix = `${freshName('outage')}_`;
    eventStore = postgresEventStore(sql, { schema: `${prefix}events`, pollIntervalMs: 50 });
    service = await startCommandService({ eventStore, sql, prefix, saga: false, readyTimeoutMs: 2_000 });
    expect(
      (
        await service.request('/products', {
          body: { sku: 'lamp', name: 'Lamp', category: 'office', priceCents: 100, currency: 'EUR' },
        })
      ).status,
    ).toBe(201);
  });

  afterEach(async () => {
    proxy.resume();
    await service.stop();
    await eventStore.close();
    await sql.close();
    await proxy.close();
    await direct.exec(
      `drop schema if exists ${prefix}events cascade; drop schema if exists ${prefix}commands cascade; drop schema if exists ${prefix}audit cascade;`,
    );
    await direct.close();
  });

  const restock = (correlationId = randomUUID()) =>
    service.request<{ position?: string }>('/products/lamp/restock', {
      body: { quantity: 1 },
      headers: { 'x-correlation-id': correlationId },
    });

  it('answers 503 with Retry-After within the timeout while PostgreSQL holds every packet, and serves again by itself once it answers', async () => {
    proxy.hold();
    const started = Date.now();
    const held = await restock();
    expect(held.status).toBe(503);
    expect(held.headers.get('retry-after')).toBe('1');
    expect(Date.now() - started).toBeLessThan(timeouts.queryMs + 1_500);

    const ready = await service.request<{ failing: string[] }>('/ready', { method: 'GET' });
    expect(ready.status).toBe(503);
    expect(ready.body.failing).toEqual(expect.arrayContaining(['eventStore', 'database']));

    proxy.resume();
    await eventually(async () => ((await restock()).status === 200 ? true : undefined), 10_000, 100);
    expect((await service.request('/ready', { method: 'GET' })).status).toBe(200);
  });

  it('loses and doubles nothing when PostgreSQL restarts under a stream of commands, and serves again without a restart', async () => {
    const sent: string[] = [];
    const acknowledged = new Map<string, string>();
    const answers: number[] = [];
    let running = true;
    const writer = async () => {
      while (running) {
        const correlationId = randomUUID();
        sent.push(correlationId);
        const answer = await restock(correlationId);
        answers.push(answer.status);
        if (answer.status === 200) acknowledged.set(correlationId, answer.body.position as string);
      }
    };
    const writers = Array.from({ length: 4 }, writer);
    await sleep(300);
    const restarting = proxy.cut(1_000);
    await sleep(200);
    const ready = await service.request<{ failing: string[] }>('/ready', { method: 'GET' });
    expect(ready.status).toBe(503);
    expect(ready.body.failing).toContain('eventStore');
    await restarting;
    const acknowledgedBeforeRecovery = acknowledged.size;
    await eventually(async () => (acknowledged.size > acknowledgedBeforeRecovery + 20 ? true : undefined), 15_000, 50);
    running = false;
    await Promise.all(writers);

    // Only "done" or "unavailable, retry": never an unexpected error.
    expect(new Set(answers)).toEqual(new Set([200, 503]));
    const rows = await direct.query<{ correlation_id: string; events: number; position: string }>(
      `select metadata->>'correlationId' as correlation_id, count(*)::int as events, max(position)::text as position
       from ${prefix}events.events where type = 'StockAdded' group by 1`,
    );
    const stored = new Map(rows.map((row) => [row.correlation_id, row]));
    for (const [correlationId, position] of acknowledged)
      expect(stored.get(correlationId)).toEqual({ correlation_id: correlationId, events: 1, position });
    expect(rows.every((row) => row.events === 1 && sent.includes(row.correlation_id))).toBe(true);
    expect((await service.request('/ready', { method: 'GET' })).status).toBe(200);
  });
});
