import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { CommandComponents, QueryComponents } from '@order-engine/client';
import type { BenchContext, Figure, Scenario } from '../scenario.js';
import { cpuPerCommand } from './commands/cpu.js';
import { httpClient, type Answer, type HttpClient } from './commands/http.js';
import { openLoop, orderBodies, percentile, type LoadOptions, type LoadResult } from './commands/open-loop.js';
import { as, authMode } from './commands/keys.js';
import { startCrud, startDistributed, startEmbedded, type RunningStack } from './commands/stacks.js';

// PlaceOrder (POST /orders) over HTTP end to end, at a fixed rate (open loop), on the embedded engine (`npm start`:
// PGlite, in-process fan-out, memory cache) and on the distributed stack (command-service with the saga and the relay,
// one projection worker and query-service as processes on PostgreSQL, Kafka and Redis; BENCH_COMMANDS_RELAY=process
// runs the relay as a process of its own instead). Each stack runs in child processes; the load
// generator runs here. Figures: achieved rate, command latency from its due time, and the lag from the command's
// answer until GET /orders/:id on the query API shows the order (read with X-Min-Position, as a client reads its
// own writes; see commands/open-loop.ts).
// Targets (issue 6): at 200 commands/s, visible p99 ≤ 100 ms embedded and ≤ 250 ms distributed. Beside them, the CRUD
// contender (bench/contenders/crud/): the plain Express + pg service a team would write instead, on the same
// PostgreSQL, driven by the same load with the same orders; its read of the order is a SELECT.

const RATE = Number(process.env.BENCH_COMMANDS_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_COMMANDS_SECONDS ?? 15);
const MODES = (process.env.BENCH_COMMANDS_MODES ?? 'embedded,distributed,crud').split(',');
const RELAY = process.env.BENCH_COMMANDS_RELAY === 'process' ? 'process' : 'in-process';
// A directory to write a CPU profile of every process of the stacks into (see commands/cpu-profile.mjs).
const PROFILE_DIR = process.env.BENCH_COMMANDS_PROFILE_DIR;
export const SKUS = Array.from({ length: 40 }, (_, i) => `bench-${String(i).padStart(2, '0')}`);
// The warm-up ramps the rate up to RATE (see commands/open-loop.ts): at full rate from the first second, the services'
// cold code (not yet optimised by the JIT) builds a backlog of several seconds that the window would then measure.
const load: LoadOptions = { rate: RATE, warmupSeconds: 10, seconds: SECONDS, pollMs: 5, visibleTimeoutMs: 10_000 };
export const TARGETS = { embedded: 100, distributed: 250, crud: 100 } as const;

export type Mode = keyof typeof TARGETS;

/** Products registered and stocked far beyond what the run orders, so no order is rejected. */
export async function stockProducts(client: HttpClient, commandUrl: string): Promise<void> {
  await Promise.all(
    SKUS.map(async (sku, i) => {
      const registered = await client.post(
        `${commandUrl}/products`,
        { sku, name: `Bench product ${i}`, category: 'bench', priceCents: 500 + i * 10, currency: 'EUR' },
        as('operator'),
      );
      if (registered.status !== 201) throw new Error(`register ${sku}: ${registered.status} ${registered.body}`);
      const restocked = await client.post(
        `${commandUrl}/products/${sku}/restock`,
        { quantity: 1_000_000 },
        as('operator'),
      );
      if (restocked.status !== 200) throw new Error(`restock ${sku}: ${restocked.status} ${restocked.body}`);
    }),
  );
}

/**
 * Waits until the whole pipeline answers: an order placed now is confirmed by the saga and shown by the query API,
 * and the catalog and sales projections have passed it. Services answer /health before their Kafka consumers have
 * joined their groups (the broker holds a new group back for group.initial.rebalance.delay.ms, 3 s by default); a load
 * started before that measures the catch-up of a backlog, not the steady state.
 */
export async function pipelineReady(
  client: HttpClient,
  { commandUrl, queryUrl }: RunningStack,
  { timeoutMs = 60_000, projections = true } = {},
): Promise<void> {
  const placed = await client.post(
    `${commandUrl}/orders`,
    { customerId: 'bench-probe', lines: [{ sku: SKUS[0], quantity: 1 }] },
    { ...as('client'), 'idempotency-key': randomUUID() },
  );
  if (placed.status < 200 || placed.status >= 300) throw new Error(`probe order: ${placed.status} ${placed.body}`);
  const { orderId, position } = JSON.parse(placed.body) as CommandComponents['schemas']['OrderAnswer'];
  const deadline = Date.now() + timeoutMs;
  const until = async (url: string, minPosition: string, done: (answer: Answer) => boolean): Promise<Answer> => {
    for (;;) {
      // The sales stats are the operator's (and analyst's) to read.
      const answer = await client.get(url, { ...as('operator'), 'x-min-position': minPosition });
      if (answer.status === 200 && answer.headers['x-stale'] !== 'true' && done(answer)) return answer;
      if (Date.now() > deadline)
        throw new Error(
          `the stack did not get ready within ${timeoutMs / 1_000} s: ${url} answers ${answer.status} ` +
            `${answer.body.slice(0, 200)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const confirmed = await until(
    `${queryUrl}/orders/${orderId}`,
    position,
    (answer) => (JSON.parse(answer.body) as QueryComponents['schemas']['OrderView']).status === 'confirmed',
  );
  if (!projections) return;
  const through = String(confirmed.headers['x-read-position']);
  await until(`${queryUrl}/products/${SKUS[0]}`, through, () => true);
  await until(`${queryUrl}/stats/sales`, through, () => true);
}

/** A load's result, and the CPU each process used per command meanwhile (empty where the platform does not tell). */
type Measured = LoadResult & { cpu: [string, number][] };

async function measure(mode: Mode, start: () => Promise<RunningStack>, log: BenchContext['log']): Promise<Measured> {
  const stack = await start();
  const client = httpClient();
  try {
    await stockProducts(client, stack.commandUrl);
    await pipelineReady(client, stack, { projections: mode !== 'crud' });
    log(
      `${mode}: ${RATE} commands/s for ${SECONDS} s measured, after ${load.warmupSeconds} s of warm-up rising from ` +
        `${RATE / 10}/s`,
    );
    const cpuBefore = await stack.cpuSeconds();
    const result = await openLoop(stack, client, orderBodies(SKUS), load);
    const cpuAfter = await stack.cpuSeconds();
    const perProcess = cpuBefore && cpuAfter ? cpuPerCommand(cpuBefore, cpuAfter, result.sent) : [];
    const cpu = perProcess.length === 0 ? '' : `; CPU per command: ${cpuBreakdown(perProcess)}`;
    const ms = (samples: number[], p: number) => percentile(samples, p).toFixed(1);
    log(
      `${mode}: ${result.achievedPerSecond.toFixed(1)} commands/s; latency p50 ${ms(result.latencies, 50)} p99 ` +
        `${ms(result.latencies, 99)} max ${ms(result.latencies, 100)} ms; ` +
        `visible lag p50 ${ms(result.lags, 50)} p99 ${ms(result.lags, 99)} max ${ms(result.lags, 100)} ms; ` +
        `${result.pollsPerOrder.toFixed(1)} polls/order; ` +
        `${result.errors} errors${result.firstError ? ` (first: ${result.firstError})` : ''}; ${result.invisible} ` +
        `never visible${cpu}`,
    );
    return { ...result, cpu: perProcess };
  } finally {
    client.close();
    await stack.stop();
  }
}

const cpuBreakdown = (perProcess: [string, number][]) =>
  `${perProcess.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ')} ms`;

function figures(mode: Mode, result: Measured): Figure[] {
  const round = (value: number) => Math.round(value * 10) / 10;
  const target = TARGETS[mode];
  const cpu: Figure[] =
    result.cpu.length === 0
      ? []
      : [
          {
            name: `${mode}.cpu_per_command`,
            value: round(result.cpu.reduce((sum, [, ms]) => sum + ms, 0)),
            unit: 'ms',
            note: cpuBreakdown(result.cpu),
          },
        ];
  return [
    {
      name: `${mode}.commands_per_s`,
      value: round(result.achievedPerSecond),
      unit: 'commands/s',
      note: `offered ${RATE}/s for ${SECONDS} s, open loop`,
    },
    {
      name: `${mode}.latency_p50`,
      value: round(percentile(result.latencies, 50)),
      unit: 'ms',
      note: 'POST /orders, from its due time to the answer',
    },
    { name: `${mode}.latency_p99`, value: round(percentile(result.latencies, 99)), unit: 'ms' },
    {
      name: `${mode}.visible_lag_p50`,
      value: round(percentile(result.lags, 50)),
      unit: 'ms',
      note: 'answer → 200 of GET /orders/:id with X-Min-Position',
    },
    {
      name: `${mode}.visible_lag_p99`,
      value: round(percentile(result.lags, 99)),
      unit: 'ms',
      note:
        `target ≤ ${target} at ${RATE} ` +
        `commands/s${result.invisible > 0 ? `; ${result.invisible} orders not visible` : ''}` +
        `${result.invisible > 0 ? ` within ${load.visibleTimeoutMs / 1_000} s` : ''}`,
    },
    {
      name: `${mode}.errors`,
      value: result.errors,
      unit: 'requests',
      note: result.firstError ? `non-2xx or failed; first: ${result.firstError.slice(0, 120)}` : 'non-2xx or failed',
    },
    ...cpu,
  ];
}

export const commands: Scenario = {
  name: 'commands',
  description:
    `PlaceOrder over HTTP at ${RATE} commands/s (open loop): latency and lag until the query API shows ` +
    `the order, embedded, distributed, and the CRUD service a team would write instead`,
  // The distributed half needs DATABASE_URL, REDIS_URL and KAFKA_BROKERS; without them it is reported as skipped.
  needs: [],
  async run({ log }) {
    const stackEnv: Record<string, string> = PROFILE_DIR
      ? {
          NODE_OPTIONS: `--import ${resolve(import.meta.dirname, 'commands/cpu-profile.mjs')}`,
          CPU_PROFILE_DIR: PROFILE_DIR,
        }
      : {};
    const result: Figure[] = [];
    log(`credentials: ${authMode}`);
    if (MODES.includes('embedded'))
      result.push(...figures('embedded', await measure('embedded', () => startEmbedded(stackEnv), log)));
    const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, KAFKA_BROKERS: kafkaBrokers } = process.env;
    const skipped = (mode: Mode, variables: string) => {
      log(`${mode}: skipped; set ${variables} (npm run services:start)`);
      result.push({ name: mode, value: 0, unit: 'skipped', note: `set ${variables} (npm run services:start)` });
    };
    if (MODES.includes('distributed')) {
      if (!databaseUrl || !redisUrl || !kafkaBrokers)
        skipped('distributed', 'DATABASE_URL, REDIS_URL and KAFKA_BROKERS');
      else {
        log(
          `distributed: the relay runs ` +
            `${RELAY === 'process' ? 'as a process of its own' : 'inside command-service (RELAY_IN_PROCESS=true)'}`,
        );
        const distributed = await measure(
          'distributed',
          () => startDistributed({ relay: RELAY, databaseUrl, redisUrl, kafkaBrokers, env: stackEnv }),
          log,
        );
        result.push(...figures('distributed', distributed));
      }
    }
    if (MODES.includes('crud')) {
      if (!databaseUrl) skipped('crud', 'DATABASE_URL');
      else result.push(...figures('crud', await measure('crud', () => startCrud(databaseUrl, stackEnv), log)));
    }
    return result;
  },
};
