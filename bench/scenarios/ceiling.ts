import type { BenchContext, Figure, Scenario } from '../scenario.js';
import { pipelineReady, SKUS, stockProducts, TARGETS, type Mode } from './commands.js';
import { cpuPerCommand } from './commands/cpu.js';
import { httpClient } from './commands/http.js';
import { openLoop, orderBodies, percentile, type LoadOptions } from './commands/open-loop.js';
import { startCrud, startDistributed, startEmbedded, type RunningStack } from './commands/stacks.js';
import { searchCeiling } from './ceiling/search.js';

// The highest rate of PlaceOrder each stack sustains: offered for 15 s after a warm-up, it must achieve 98 % of it with
// the visible p99 within the stack's target (embedded 100 ms, distributed 250 ms, CRUD 100 ms). Found from
// BENCH_CEILING_FROM, doubling or halving, then bisecting to BENCH_CEILING_PRECISION (ceiling/search.ts). One stack
// per mode serves all its probes.

const FROM = Number(process.env.BENCH_CEILING_FROM ?? 200);
const PRECISION = Number(process.env.BENCH_CEILING_PRECISION ?? 0.1);
const MAX_RATE = Number(process.env.BENCH_CEILING_MAX ?? 6_400);
const MIN_RATE = 25;
const MODES = (process.env.BENCH_CEILING_MODES ?? 'embedded,distributed,crud').split(',') as Mode[];
// A fresh stack's first probe warms up as long as `commands` does (its code and its database's plans are cold).
const load = (rate: number, first: boolean): LoadOptions => ({
  rate,
  warmupSeconds: first ? 10 : 5,
  seconds: 15,
  pollMs: 5,
  visibleTimeoutMs: 10_000,
});

interface Probe {
  rate: number;
  held: boolean;
  achieved: number;
  visibleP99: number;
  cpu: [string, number][];
}

async function probe(
  stack: RunningStack,
  mode: Mode,
  rate: number,
  first: boolean,
  log: BenchContext['log'],
): Promise<Probe> {
  const client = httpClient();
  try {
    // Whatever the last probe left queued is worked off first: each probe starts from a caught-up stack.
    await pipelineReady(client, stack, { projections: mode !== 'crud', timeoutMs: 120_000 });
    const before = await stack.cpuSeconds();
    const result = await openLoop(stack, client, orderBodies(SKUS), load(rate, first));
    const after = await stack.cpuSeconds();
    const visibleP99 = result.lags.length > 0 ? percentile(result.lags, 99) : Number.POSITIVE_INFINITY;
    const held = result.achievedPerSecond >= 0.98 * rate && visibleP99 <= TARGETS[mode] && result.invisible === 0;
    log(
      `${mode} at ${rate}/s: ${held ? 'held' : 'did not hold'}: ${result.achievedPerSecond.toFixed(1)}/s achieved, ` +
        `visible p99 ${visibleP99.toFixed(1)} ms, ${result.errors} errors, ${result.invisible} never visible`,
    );
    const cpu = before && after ? cpuPerCommand(before, after, result.sent) : [];
    return { rate, held, achieved: result.achievedPerSecond, visibleP99, cpu };
  } finally {
    client.close();
  }
}

// The ceilings each stack is held to (the CRUD contender is the yardstick: embedded ≥ 1.0× its ceiling).
const CEILING_TARGETS: Partial<Record<Mode, number>> = { embedded: 1_000, distributed: 500 };

const starters: Record<Mode, () => Promise<RunningStack>> = {
  embedded: () => startEmbedded(),
  distributed: () => {
    const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, KAFKA_BROKERS: kafkaBrokers } = process.env;
    return startDistributed({
      relay: 'in-process',
      databaseUrl: databaseUrl!,
      redisUrl: redisUrl!,
      kafkaBrokers: kafkaBrokers!,
    });
  },
  crud: () => startCrud(process.env.DATABASE_URL!),
};

const cpuNote = (cpu: [string, number][]) => cpu.map(([name, ms]) => `${name} ${ms.toFixed(2)}`).join(', ');

export const ceiling: Scenario = {
  name: 'ceiling',
  description:
    'the highest PlaceOrder rate each stack sustains for 15 s (achieved ≥ 98 %, visible p99 within target): ' +
    'embedded, distributed and the CRUD contender, with their ratios and CPU per order',
  needs: ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS'],
  onlyWhenAsked: true,
  async run({ log }) {
    const figures: Figure[] = [];
    const ceilings = new Map<Mode, number>();
    for (const mode of MODES) {
      const stack = await starters[mode]();
      try {
        const client = httpClient();
        await stockProducts(client, stack.commandUrl).finally(() => client.close());
        let probes = 0;
        const best = await searchCeiling((rate) => probe(stack, mode, rate, probes++ === 0, log), {
          from: FROM,
          precision: PRECISION,
          max: MAX_RATE,
          min: MIN_RATE,
        });
        ceilings.set(mode, best?.rate ?? 0);
        figures.push({
          name: `${mode}.ceiling`,
          value: best?.rate ?? 0,
          unit: 'orders/s',
          note: best
            ? `${CEILING_TARGETS[mode] ? `target ≥ ${CEILING_TARGETS[mode]}; ` : ''}visible p99 ${best.visibleP99.toFixed(1)} ms (target ${TARGETS[mode]}); CPU per order ${cpuNote(best.cpu)} ms`
            : `not even ${MIN_RATE}/s held`,
        });
      } finally {
        await stack.stop();
      }
    }
    const crud = ceilings.get('crud');
    for (const mode of ['embedded', 'distributed'] as const) {
      const rate = ceilings.get(mode);
      if (rate !== undefined && crud)
        figures.push({
          name: `${mode}.to_crud`,
          value: Math.round((rate / crud) * 100) / 100,
          unit: '×',
          note: `${mode === 'embedded' ? 'target ≥ 1.0; ' : ''}${rate} against the CRUD contender's ${crud} orders/s`,
        });
    }
    return figures;
  },
};
