import { closeContenders, openContenders, type Contender } from '../contenders/index.js';
import type { Figure, Scenario } from '../scenario.js';

// Appends, side by side in one run on one PostgreSQL server: the engine's store, Emmett's, and raw INSERTs (the
// limit). Each workload runs on every contender in turn, for several rounds, and the median round counts, so
// that a burst of background work on the machine does not decide a comparison. Streams are written without an
// expected revision, each writer on its own streams (no conflicts: this measures the append path, not retries).
// Targets (issue 6): single-event appends at 16 concurrency ≥ 2× Emmett's and ≥ 70% of raw; sequential ≥ 1.5× Emmett's.

const ROUNDS = Number(process.env.BENCH_APPEND_ROUNDS ?? 5);
const SCALE = Number(process.env.BENCH_APPEND_SCALE ?? 1);

interface Workload {
  key: string;
  label: string;
  writers: number;
  appendsPerWriter: number;
  eventsPerAppend: number;
}

const workloads: Workload[] = [
  {
    key: 'single_sequential',
    label: 'single-event appends, 1 writer',
    writers: 1,
    appendsPerWriter: 1_500,
    eventsPerAppend: 1,
  },
  {
    key: 'single_concurrent16',
    label: 'single-event appends, 16 writers',
    writers: 16,
    appendsPerWriter: 400,
    eventsPerAppend: 1,
  },
  {
    key: 'batch10_sequential',
    label: '10-event appends, 1 writer',
    writers: 1,
    appendsPerWriter: 500,
    eventsPerAppend: 10,
  },
  {
    key: 'batch10_concurrent16',
    label: '10-event appends, 16 writers',
    writers: 16,
    appendsPerWriter: 100,
    eventsPerAppend: 10,
  },
];

/** Events per second of one workload on one contender. */
async function appendRate(contender: Contender, workload: Workload, round: number): Promise<number> {
  const perWriter = Math.max(1, Math.round(workload.appendsPerWriter * SCALE));
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workload.writers }, async (_, writer) => {
      for (let i = 0; i < perWriter; i++)
        await contender.append(`bench-${workload.key}-${round}-${writer}-${i % 50}`, workload.eventsPerAppend);
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  return (workload.writers * perWriter * workload.eventsPerAppend) / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export const append: Scenario = {
  name: 'append',
  description: 'appends: the engine store vs Emmett vs raw INSERT (events/s, median of rounds)',
  needs: ['DATABASE_URL'],
  async run({ databaseUrl, log }) {
    const contenders = await openContenders(databaseUrl!, 20);
    try {
      // Warm-up: connections opened, functions planned, caches filled.
      for (const contender of contenders) await appendRate(contender, { ...workloads[1]!, appendsPerWriter: 20 }, -1);

      const figures: Figure[] = [];
      for (const workload of workloads) {
        const rates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
        for (let round = 0; round < ROUNDS; round++) {
          for (const contender of contenders)
            rates.get(contender.name)!.push(await appendRate(contender, workload, round));
        }
        const [engine, emmett, raw] = contenders.map((c) => median(rates.get(c.name)!)) as [number, number, number];
        log(
          `${workload.label}: engine ${Math.round(engine)}, Emmett ${Math.round(emmett)}, raw ${Math.round(raw)} ` +
            `events/s`,
        );
        figures.push(
          { name: `${workload.key}.engine`, value: Math.round(engine), unit: 'events/s', note: workload.label },
          { name: `${workload.key}.emmett`, value: Math.round(emmett), unit: 'events/s' },
          { name: `${workload.key}.raw_insert`, value: Math.round(raw), unit: 'events/s' },
          {
            name: `${workload.key}.engine_vs_emmett`,
            value: round2(engine / emmett),
            unit: '×',
            note: targets[workload.key]?.emmett,
          },
          {
            name: `${workload.key}.engine_vs_raw`,
            value: round2(engine / raw),
            unit: '×',
            note: targets[workload.key]?.raw,
          },
        );
      }
      return figures;
    } finally {
      await closeContenders(contenders);
    }
  },
};

const targets: Record<string, { emmett?: string; raw?: string }> = {
  single_sequential: { emmett: 'target ≥ 1.5', raw: 'target ≥ 0.95' },
  single_concurrent16: { emmett: 'target ≥ 2', raw: 'target ≥ 0.7' },
  batch10_concurrent16: { raw: 'target ≥ 1.0' },
};

const round2 = (value: number) => Math.round(value * 100) / 100;
