import { closeContenders, openContenders, type Contender } from '../contenders/index.js';
import type { Figure, Scenario } from '../scenario.js';
import { percentile } from './commands/open-loop.js';

// The global read ($all), side by side: the engine's catch-up subscription, Emmett's consumer loop, and the naive
// `position > last` poll over raw INSERTs.
// - Catch-up: a store of LOAD events (written in one INSERT … SELECT), read from the start in pages of 1,000, three
//   times, in turn with the other contenders.
// - Correctness: 16 appenders write single events while a live reader follows the global read; then the reader
//   gets until it has been idle for a while, and every event it missed or saw twice is counted. Run twice: as is,
//   and with every commit held back 0–5 ms after its insert (a deferred trigger, as a slow client, a busy disk or a
//   long transaction would): the global-order pitfall of docs/architecture.md, which only the engine's read closes.
// Target (issue 6): 0 missed and 0 duplicated events in the engine's global read.

const LOAD = Number(process.env.BENCH_GLOBAL_READ_EVENTS ?? 200_000);
const APPENDERS = 16;
const APPENDS_EACH = Number(process.env.BENCH_GLOBAL_READ_APPENDS ?? 150);
const IDLE_MS = 3_000;
const CATCH_UP_ROUNDS = 3;

/** Events per second of a reader that follows the global read from the start until it has seen `count` events. */
async function catchUpRate(contender: Contender, count: number): Promise<number> {
  const controller = new AbortController();
  let seen = 0;
  const started = performance.now();
  const following = contender.follow((ids) => {
    seen += ids.length;
    if (seen >= count) controller.abort();
  }, controller.signal);
  await following;
  return count / ((performance.now() - started) / 1_000);
}

/** Missed and duplicated events of a live reader while APPENDERS append concurrently. */
async function liveRead(contender: Contender): Promise<{ missed: number; duplicated: number }> {
  const seen = new Map<string, number>();
  let lastProgress = performance.now();
  const controller = new AbortController();
  const following = contender.follow((ids) => {
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    lastProgress = performance.now();
  }, controller.signal);
  await Promise.all(
    Array.from({ length: APPENDERS }, async (_, appender) => {
      for (let i = 0; i < APPENDS_EACH; i++) await contender.append(`live-${appender}-${i % 20}`, 1);
    }),
  );
  const total = APPENDERS * APPENDS_EACH;
  while (performance.now() - lastProgress < IDLE_MS) await new Promise((resolve) => setTimeout(resolve, 100));
  controller.abort();
  await following;
  const distinct = seen.size;
  const deliveries = [...seen.values()].reduce((sum, n) => sum + n, 0);
  return { missed: total - distinct, duplicated: deliveries - distinct };
}

/** Holds every transaction that writes to the table back 0–maxMs at commit, once per transaction. */
async function delayCommits(contender: Contender, maxMs: number): Promise<void> {
  const fn = `${contender.table.replace(/\W/g, '_')}_late_commit`;
  await contender.exec(`
    create or replace function ${fn}() returns trigger language plpgsql as $$
    begin
      if current_setting('bench.late_commit', true) is distinct from 'done' then
        perform set_config('bench.late_commit', 'done', true);
        perform pg_sleep(random() * ${maxMs / 1_000});
      end if;
      return null;
    end $$;
    create constraint trigger late_commit after insert on ${contender.table}
      deferrable initially deferred for each row execute function ${fn}();`);
}

export const globalRead: Scenario = {
  name: 'global-read',
  description: 'the global read: catch-up rate, and events missed or duplicated by a live reader under 16 appenders',
  needs: ['DATABASE_URL'],
  async run({ databaseUrl, log }) {
    const figures: Figure[] = [];
    const label = (name: string) => (name === 'raw INSERT' ? 'raw_naive' : name.toLowerCase());

    let contenders = await openContenders(databaseUrl!, 20);
    try {
      for (const contender of contenders) await contender.bulkLoad(LOAD);
      // Each reads in turn, there and back, several times: a machine that gets busier or quieter meanwhile weighs on
      // every contender alike, and the median of each is compared.
      const samples = new Map<string, number[]>(contenders.map(({ name }) => [name, []]));
      for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
        for (const contender of round % 2 === 0 ? contenders : [...contenders].reverse()) {
          const rate = await catchUpRate(contender, LOAD);
          samples.get(contender.name)!.push(rate);
          log(`catch-up, ${contender.name}, read ${round + 1}: ${Math.round(rate)} events/s`);
        }
      }
      const rates = new Map<string, number>();
      for (const [name, rounds] of samples) {
        const rate = percentile(rounds, 50);
        rates.set(name, rate);
        figures.push({
          name: `catch_up.${label(name)}`,
          value: Math.round(rate),
          unit: 'events/s',
          note: `median of ${CATCH_UP_ROUNDS} reads of ${LOAD.toLocaleString('en-US')} events, pages of 1,000`,
        });
      }
      const [engine, naive] = [rates.get('engine'), rates.get('raw INSERT')];
      if (engine && naive)
        figures.push({
          name: 'catch_up.engine_vs_naive',
          value: Math.round((engine / naive) * 100) / 100,
          unit: '×',
          note: 'target ≥ 0.9',
        });
    } finally {
      await closeContenders(contenders);
    }

    for (const lateMs of [0, 5]) {
      contenders = await openContenders(databaseUrl!, 20);
      try {
        for (const contender of contenders) {
          if (lateMs > 0) await delayCommits(contender, lateMs);
          const { missed, duplicated } = await liveRead(contender);
          const when = lateMs > 0 ? `commits_late_${lateMs}ms` : 'commits_as_is';
          log(
            `live read, ${when}, ${contender.name}: ${missed} missed, ${duplicated} duplicated of ` +
              `${APPENDERS * APPENDS_EACH}`,
          );
          const target = contender.name === 'engine' ? 'target 0' : undefined;
          figures.push(
            {
              name: `${when}.${label(contender.name)}.missed`,
              value: missed,
              unit: 'events',
              note: target ?? `of ${APPENDERS * APPENDS_EACH}`,
            },
            { name: `${when}.${label(contender.name)}.duplicated`, value: duplicated, unit: 'events', note: target },
          );
        }
      } finally {
        await closeContenders(contenders);
      }
    }
    return figures;
  },
};
