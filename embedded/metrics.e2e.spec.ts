import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandClient, queryClient } from '@order-engine/client';
import { accessFromConfig, silentLogger, type Role } from '@order-engine/shared';
import { testEngineConfig } from './test-config.js';
import { startEngine, type Engine } from './engine.js';
import { eventually } from './http-client.js';

// GET /metrics on each of the three APIs of one embedded engine: who may scrape, what moves when orders go through,
// the exposition checked by promtool, and a real Prometheus scraping all three and answering a PromQL query.

const secret = (role: Role) => `${role}-metrics-secret-0123456789`;
let engine: Engine;

beforeAll(async () => {
  const config = testEngineConfig({
    API_KEYS: (['operator', 'client', 'monitor'] as const).map((role) => `m-${role}:${role}:${secret(role)}`).join(','),
  });
  engine = await startEngine(config, silentLogger, { access: await accessFromConfig(config) });
});
afterAll(async () => {
  await engine?.stop();
});

const as = (role: Role) => ({ authorization: `Bearer ${secret(role)}` });
const urls = () => ({ command: engine.commandUrl, query: engine.queryUrl, projection: engine.projectionUrl });

async function scrape(url: string): Promise<string> {
  const answer = await fetch(`${url}/metrics`, { headers: as('monitor') });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return answer.text();
}

/** The value of one sample (name and every label given), or undefined when the exposition has none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = Object.entries(labels).every(([key, value]) => match[2]?.includes(`${key}="${value}"`));
    if (has) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('answers the operator and the monitor key only', async () => {
    for (const url of Object.values(urls())) {
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: as('client') })).status).toBe(403);
      expect((await fetch(`${url}/metrics`, { headers: as('operator') })).status).toBe(200);
      expect((await fetch(`${url}/metrics`, { headers: as('monitor') })).status).toBe(200);
    }
  });

  it('moves the command counters, the processors, the projection lag gauges and the cache counters', async () => {
    const before = await scrape(engine.commandUrl);
    const accepted = (text: string) =>
      sample(text, 'order_engine_commands_total', { type: 'PlaceOrder', outcome: 'accepted' }) ?? 0;

    const operator = commandClient(engine.commandUrl, { token: secret('operator') });
    const restock = (sku: string, quantity: number, header: { 'Idempotency-Key'?: string } = {}) =>
      operator.POST('/products/{sku}/restock', { params: { path: { sku }, header }, body: { quantity } });
    const registered = await operator.POST('/products', {
      body: { sku: 'dial', name: 'Dial', category: 'm', priceCents: 900, currency: 'EUR' },
    });
    expect(registered.response.status).toBe(201);
    expect((await restock('dial', 3)).response.status).toBe(200);
    const orders = [];
    for (let i = 0; i < 3; i++)
      orders.push(
        await operator.POST('/orders', { body: { customerId: 'mia', lines: [{ sku: 'dial', quantity: 1 }] } }),
      );
    expect(orders.map((answer) => answer.response.status)).toEqual([202, 202, 202]);
    await restock('dial', 1, { 'Idempotency-Key': 'metrics-once' });
    await restock('dial', 1, { 'Idempotency-Key': 'metrics-once' });
    expect((await restock('nothing-here', 1)).response.status).toBe(404);

    const commands = await eventually(async () => {
      const text = await scrape(engine.commandUrl);
      // The saga's follow-ups are commands too: each order's stock reserved, then its line marked reserved.
      return (sample(text, 'order_engine_commands_total', { type: 'MarkLineReserved', outcome: 'accepted' }) ?? 0) >= 3
        ? text
        : undefined;
    });
    expect(accepted(commands) - accepted(before)).toBe(3);
    expect(sample(commands, 'order_engine_commands_total', { type: 'Restock', outcome: 'refused' })).toBe(1);
    expect(sample(commands, 'order_engine_idempotent_replays_total')).toBe(1);
    expect(sample(commands, 'order_engine_events_appended_total', { type: 'OrderPlaced' })).toBe(3);
    expect(sample(commands, 'order_engine_append_duration_seconds_count')).toBeGreaterThanOrEqual(9);
    expect(
      sample(commands, 'order_engine_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/orders',
        status: '202',
      }),
    ).toBe(3);
    expect(sample(commands, 'order_engine_processor_events_total', { kind: 'saga' })).toBeGreaterThan(0);
    expect(sample(commands, 'order_engine_processor_lag_events', { kind: 'saga' })).toEqual(expect.any(Number));
    expect(sample(commands, 'process_cpu_seconds_total', { service: 'command-service' })).toBeGreaterThan(0);

    const projections = await scrape(engine.projectionUrl);
    for (const projection of ['catalog', 'orders', 'sales', 'customers']) {
      expect(sample(projections, 'order_engine_projection_lag_events', { projection })).toEqual(expect.any(Number));
      expect(sample(projections, 'order_engine_projection_lag_seconds', { projection })).toEqual(expect.any(Number));
      expect(sample(projections, 'order_engine_projection_checkpoint_position', { projection })).toBeGreaterThan(0);
    }
    expect(sample(projections, 'order_engine_processor_events_total', { kind: 'projection' })).toBeGreaterThan(0);

    const lookups = (text: string, result: string) =>
      sample(text, 'order_engine_cache_lookups_total', { kind: 'product', result }) ?? 0;
    const cacheBefore = await scrape(engine.queryUrl);
    const client = queryClient(engine.queryUrl, { token: secret('client') });
    for (let i = 0; i < 2; i++)
      expect((await client.GET('/products/{sku}', { params: { path: { sku: 'dial' } } })).response.status).toBe(200);
    const cacheAfter = await scrape(engine.queryUrl);
    expect(lookups(cacheAfter, 'hit') + lookups(cacheAfter, 'miss')).toBe(
      lookups(cacheBefore, 'hit') + lookups(cacheBefore, 'miss') + 2,
    );
  });
});

describe('the Grafana dashboard in docs/', () => {
  it('asks only for metrics the services export', async () => {
    const dashboard = JSON.parse(await readFile('docs/grafana-dashboard.json', 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const asked = new Set(
      dashboard.panels
        .flatMap(({ targets }) =>
          targets.flatMap(({ expr }) => expr.match(/\b(?:order_engine|nodejs|process)_\w+/g) ?? []),
        )
        .map((name) => name.replace(/_(bucket|count|sum)$/, '')),
    );
    const exported = new Set<string>();
    for (const url of Object.values(urls()))
      for (const match of (await scrape(url)).matchAll(/^# TYPE (\S+)/gm)) exported.add(match[1]!);
    expect([...asked].filter((name) => !exported.has(name))).toEqual([]);
    expect(asked.size).toBeGreaterThan(10);
  });
});

// promtool and prometheus come from Debian's `prometheus` package: CI installs it; elsewhere, without it, say so.
const promtool = spawnSync('promtool', ['--version']).status === 0;
const required = process.env.REQUIRE_SERVICES === '1';
if (!promtool && !required)
  console.warn("[skipped] promtool and Prometheus checks: install Debian's prometheus package");
const withPrometheus = promtool || required ? describe : describe.skip;

withPrometheus("Prometheus's own tools", () => {
  it('passes promtool check metrics on every service', async () => {
    for (const url of Object.values(urls())) {
      const checked = spawnSync('promtool', ['check', 'metrics'], { input: await scrape(url), encoding: 'utf8' });
      expect({ url, status: checked.status, problems: checked.stdout + checked.stderr }).toEqual({
        url,
        status: 0,
        problems: '',
      });
    }
  });

  it('is scraped by a real Prometheus, which answers a PromQL query for the projection lag', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prometheus-'));
    const port = await freePort();
    const targets = Object.values(urls()).map((url) => new URL(url).host);
    await writeFile(join(dir, 'monitor-key'), secret('monitor'));
    await writeFile(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s }',
        'scrape_configs:',
        '  - job_name: order-engine',
        `    authorization: { credentials_file: ${join(dir, 'monitor-key')} }`,
        `    static_configs: [{ targets: [${targets.map((target) => `'${target}'`).join(', ')}] }]`,
      ].join('\n'),
    );
    const prometheus: ChildProcess = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    try {
      const ask = async (promql: string) => {
        const answer = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`);
        const body = (await answer.json()) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        return body.data.result;
      };
      // Once every target has been scraped: three up, and the lag of each projection.
      const series = await eventually(
        async () => {
          const up = await ask('up == 1').catch(() => []);
          const lag = await ask('max by (projection) (order_engine_projection_lag_events)').catch(() => []);
          return up.length === 3 && lag.length === 4 ? lag : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(series.map(({ metric }) => metric.projection).sort()).toEqual(['catalog', 'customers', 'orders', 'sales']);
      for (const { value } of series) expect(Number(value[1])).toBeGreaterThanOrEqual(0);
    } finally {
      prometheus.kill();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
