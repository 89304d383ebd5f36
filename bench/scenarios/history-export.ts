import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  NO_AUTH,
  createApp,
  finishApp,
  listen,
  migrateEventStore,
  pgSql,
  postgresEventStore,
  silentLogger,
  type EventStore,
  type Sql,
} from '@order-engine/shared';
import { historyRoutes } from '../../query-service/src/history/index.js';
import type { Figure, Scenario } from '../scenario.js';

// Export 1,000,000 events as NDJSON over HTTP, the way an analyst would (GET /history/events), from a PostgreSQL
// event store. The history routes serve from this process; a separate client process reads the answer as fast as
// it can, so the server's figures are not shared with the client's. Peak RSS is this process's, sampled during
// the export. Setup writes the events in SQL (generate_series), which costs the process no memory.
// Targets (issue 5): at least 50,000 events/s, peak RSS under 300 MB.

const ORDERS = 200_000;
const EVENTS_PER_ORDER = 5;
const TOTAL = ORDERS * EVENTS_PER_ORDER;
const SEED_BATCH = 40_000; // orders per insert

export const historyExport: Scenario = {
  name: 'history-export',
  description:
    `export ${TOTAL.toLocaleString('en-US')} events as NDJSON (and CSV) over HTTP from a ` + `PostgreSQL event store`,
  needs: ['DATABASE_URL'],
  async run({ databaseUrl, log }) {
    const sql = pgSql(new pg.Pool({ connectionString: databaseUrl, max: 4 }));
    const schema = `bench_history_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    try {
      await migrateEventStore(sql, schema);
      const seeded = Date.now();
      await seed(sql, schema, log);
      log(`appended ${TOTAL.toLocaleString('en-US')} events in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);

      const store = postgresEventStore(sql, { schema });
      await visible(store, sql, schema);
      const app = createApp('query-service', { access: NO_AUTH });
      app.use(historyRoutes({ eventStore: store, logger: silentLogger }));
      finishApp(app, silentLogger);
      const server = await listen(app, { host: '127.0.0.1', port: 0 });
      try {
        const ndjson = await measure(`${server.url}/history/events`, log);
        const csv = await measure(`${server.url}/history/events?format=csv`, log);
        return [
          {
            name: 'ndjson.events_per_s',
            value: Math.round(ndjson.eventsPerSecond),
            unit: 'events/s',
            note: 'target ≥ 50,000',
          },
          {
            name: 'ndjson.peak_rss',
            value: ndjson.peakRssMiB,
            unit: 'MiB',
            note: `target < 300 (${ndjson.baselineRssMiB} MiB before the export)`,
          },
          {
            name: 'ndjson.throughput',
            value: ndjson.mibPerSecond,
            unit: 'MiB/s',
            note: `${ndjson.mib} MiB in ${ndjson.seconds} s`,
          },
          { name: 'csv.events_per_s', value: Math.round(csv.eventsPerSecond), unit: 'events/s' },
          { name: 'csv.peak_rss', value: csv.peakRssMiB, unit: 'MiB' },
          {
            name: 'process.max_rss',
            value: Math.round(process.resourceUsage().maxRSS / 1024),
            unit: 'MiB',
            note: 'whole run, setup included',
          },
        ] satisfies Figure[];
      } finally {
        await server.close();
        await store.close();
      }
    } finally {
      await sql.exec(`drop schema if exists ${schema} cascade`);
      await sql.close();
    }
  },
};

/** Orders of five events each (placed, line reserved, confirmed, paid, shipped), one stream per order, 30 s apart. */
async function seed(sql: Sql, schema: string, log: (message: string) => void): Promise<void> {
  for (let first = 0; first < ORDERS; first += SEED_BATCH) {
    await sql.query(
      `insert into ${schema}.events (event_id, stream_id, revision, type, version, data, metadata, recorded_at)
       select gen_random_uuid(), 'order-bench-' || o, step,
         (array['OrderPlaced','OrderLineReserved','OrderConfirmed','OrderPaid','OrderShipped'])[step + 1], 1,
              case step
                when 0 then jsonb_build_object('orderId', 'bench-' || o, 'customerId', 'customer-' || (o % 5000),
                  'lines', jsonb_build_array(jsonb_build_object('sku', 'sku-' || (o % 500), 'quantity', 1 + o % 3,
                    'unitPriceCents', 1000 + o % 9000)),
                  'currency', 'EUR', 'totalCents', (1 + o % 3) * (1000 + o % 9000),
                  'placedAt', '2025-01-01T00:00:00.000Z')
                when 1 then jsonb_build_object('orderId', 'bench-' || o, 'sku', 'sku-' || (o % 500), 'quantity',
                  1 + o % 3)
                when 2 then jsonb_build_object('orderId', 'bench-' || o)
                when 3 then jsonb_build_object('orderId', 'bench-' || o, 'amountCents',
                  (1 + o % 3) * (1000 + o % 9000), 'currency', 'EUR')
                else jsonb_build_object('orderId', 'bench-' || o, 'carrier', 'DHL', 'trackingNumber',
                  'JD' || lpad(o::text, 10, '0'))
              end,
              jsonb_build_object('correlationId', gen_random_uuid(), 'actor', 'bench'),
              timestamptz '2025-01-01T00:00:00Z' + (o * ${EVENTS_PER_ORDER} + step) * interval '30 seconds'
       from generate_series($1::int, $2::int) as o cross join generate_series(0, ${EVENTS_PER_ORDER - 1}) as step
       order by o, step`,
      [first + 1, Math.min(first + SEED_BATCH, ORDERS)],
    );
    log(`  ${(Math.min(first + SEED_BATCH, ORDERS) * EVENTS_PER_ORDER).toLocaleString('en-US')} events`);
  }
  await sql.exec(`analyze ${schema}.events`);
}

/** $all shows only events older than every running transaction: another one on a shared server may hold it back. */
async function visible(store: EventStore, sql: Sql, schema: string): Promise<void> {
  const [{ last } = { last: '0' }] = await sql.query<{ last: string }>(
    `select max(position)::text as last from ${schema}.events`,
  );
  const deadline = Date.now() + 60_000;
  while ((await store.headPosition()) < BigInt(last)) {
    if (Date.now() > deadline)
      throw new Error(
        'the seeded events did not become visible in $all within a minute: a long transaction is running',
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Measured {
  eventsPerSecond: number;
  seconds: number;
  mib: number;
  mibPerSecond: number;
  peakRssMiB: number;
  baselineRssMiB: number;
}

async function measure(url: string, log: (message: string) => void): Promise<Measured> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  try {
    const { status, lines, bytes, ms } = await readInChild(url);
    if (status !== 200) throw new Error(`GET ${url} answered ${status}`);
    const events = url.includes('format=csv') ? lines - 1 : lines;
    if (events !== TOTAL) throw new Error(`GET ${url} gave ${events} events, not ${TOTAL}`);
    const mib = bytes / 2 ** 20;
    const result = {
      eventsPerSecond: events / (ms / 1000),
      seconds: round(ms / 1000),
      mib: round(mib),
      mibPerSecond: round(mib / (ms / 1000)),
      peakRssMiB: round(peak / 2 ** 20),
      baselineRssMiB: round(baseline / 2 ** 20),
    };
    log(
      `${url.replace(/^http:\/\/[^/]+/, '')}: ${events.toLocaleString('en-US')} events in ${result.seconds} s, ` +
        `${Math.round(result.eventsPerSecond).toLocaleString('en-US')} events/s, peak RSS ${result.peakRssMiB} MiB`,
    );
    return result;
  } finally {
    clearInterval(sampler);
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * A client in its own process: reads the answer to the end, counting lines, and reports status, lines, bytes and time.
 */
function readInChild(url: string): Promise<{ status: number; lines: number; bytes: number; ms: number }> {
  const client = `
    const { get } = require('node:http');
    const started = performance.now();
    get(process.argv[1], (answer) => {
      let lines = 0, bytes = 0;
      answer.on('data', (chunk) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      });
      answer.on('end', () =>
        console.log(JSON.stringify({ status: answer.statusCode, lines, bytes, ms: performance.now() - started })),
      );
    });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', client, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(output)) : reject(new Error(`the client exited with ${code}`)),
    );
  });
}
