import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  createProjectionService,
  liveProjections,
  migrateReadModels,
  type ProjectionService,
} from '@order-engine/projection-service';
import { bulkLoad, dropReadModels, generatedHistory, type HistoryStep } from '@order-engine/projection-service/testing';
import {
  NO_AUTH,
  memoryCache,
  pgSql,
  postgresEventStore,
  silentLogger,
  type ProjectionName,
  type Sql,
} from '@order-engine/shared';
import type { BenchContext, Figure, Scenario } from '../scenario.js';
import { cpuPerCommand, cpuSeconds } from './commands/cpu.js';

// Rebuild on real PostgreSQL: 1,000,000 events bulk-loaded into a fresh event store (products with stock movements,
// orders through their lifecycle), then every projection rebuilt from `$all` into its next version, one after the
// other, and then all of them at once. The yardstick is raw PostgreSQL on the same machine in the same run: COPY of the
// same number of rows, and the multi-row inserts of the load.

const EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 1_000_000);
// Only these rebuilt (comma-separated names, for profiling one projection; `all`: all of them at once), else every one.
const ONLY = process.env.BENCH_REBUILD_ONLY?.split(',');
// The floor every rebuild is held to, and the higher targets of the orders projection alone and of all at once.
const TARGET = 20_000;
const TARGETS: Partial<Record<string, number>> = { orders: 150_000, all_at_once: 100_000 };

/** The generated history cut at exactly `events` events. */
function* firstEvents(steps: Iterable<HistoryStep>, events: number): Generator<HistoryStep> {
  let left = events;
  for (const step of steps) {
    if (left <= 0) return;
    const taken = step.events.slice(0, left);
    left -= taken.length;
    yield { ...step, events: taken };
  }
}

const seconds = (since: number) => (performance.now() - since) / 1_000;

/**
 * COPY of the events into a table of the same columns, from a file the server writes and reads itself: once into a
 * bare table (raw COPY, the ceiling of any write) and once into one with the event store's indexes. Seconds each.
 */
async function rawCopy(
  sql: Sql,
  storeSchema: string,
  log: BenchContext['log'],
): Promise<{ bare: number; indexed: number } | undefined> {
  const file = `/tmp/order-engine-bench-${randomUUID()}.copy`;
  const timed = async (like: string): Promise<number> => {
    const scratch = `${storeSchema}.copy_target`;
    await sql.exec(`drop table if exists ${scratch}; create table ${scratch} (like ${storeSchema}.events ${like})`);
    const started = performance.now();
    await sql.exec(`copy ${scratch} from '${file}'`);
    const elapsed = seconds(started);
    await sql.exec(`drop table ${scratch}`);
    return elapsed;
  };
  try {
    await sql.exec(`copy (select * from ${storeSchema}.events order by position) to '${file}'`);
    return { bare: await timed('including defaults'), indexed: await timed('including all') };
  } catch (error) {
    // COPY to and from a server file needs superuser (or pg_write/read_server_files): say so and go on.
    log(`raw COPY skipped: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    // Emptied through the server, and removed when the server runs on this machine (it usually does for a benchmark).
    await sql.exec(`copy (select 1 where false) to '${file}'`).catch(() => undefined);
    await rm(file, { force: true }).catch(() => undefined);
  }
}

/**
 * Rebuilds the projections named at once; seconds taken, and the CPU this process (the projection service here) and
 * PostgreSQL used per 1,000 events: what the work cost, which a rate alone hides when the cores are not all ours.
 */
async function rebuildAll(
  service: ProjectionService,
  names: readonly ProjectionName[],
  events: number,
): Promise<{ seconds: number; cpu: string }> {
  const before = await cpuSeconds(() => '');
  const started = performance.now();
  const jobs = await Promise.all(names.map((name) => service.rebuilds.request(name, { verify: false })));
  await Promise.all(jobs.map(({ job }) => service.rebuilds.settled(job.id)));
  for (const { job } of jobs) {
    const ended = await service.rebuilds.find(job.id);
    if (ended?.status !== 'done')
      throw new Error(`rebuild of ${job.projection} ended ${ended?.status}: ${ended?.error}`);
  }
  const elapsed = seconds(started);
  const after = await cpuSeconds(() => '');
  const perThousand = before && after ? cpuPerCommand(before, after, events / 1_000) : [];
  // The other servers running (Kafka, Redis) have no part in a rebuild.
  const cpu = perThousand
    .filter(([name]) => name === 'load generator' || name === 'postgres')
    .map(([name, ms]) => `${name === 'load generator' ? 'node' : name} ${ms.toFixed(1)}`)
    .join(', ');
  return { seconds: elapsed, cpu: cpu && `CPU ms per 1,000 events: ${cpu}` };
}

export const rebuild: Scenario = {
  name: 'rebuild',
  description:
    `rebuild every projection from ${EVENTS.toLocaleString('en-US')} events on PostgreSQL (blue/green), ` +
    `against raw COPY`,
  needs: ['DATABASE_URL'],
  async run({ databaseUrl, log }) {
    const sql = pgSql(databaseUrl as string);
    const prefix = `bench_${randomUUID().replaceAll('-', '').slice(0, 8)}_`;
    const storeSchema = `${prefix}events`;
    const figures: Figure[] = [];
    try {
      const started = performance.now();
      const history = generatedHistory({ products: 2_000, orders: Math.ceil(EVENTS / 6), seed: 42 });
      const { events, head } = await bulkLoad(sql, storeSchema, firstEvents(history, EVENTS), {
        stepMs: Math.round((120 * 86_400_000) / EVENTS),
        onProgress: (loaded) => loaded % 200_000 === 0 && log(`loaded ${loaded.toLocaleString('en-US')} events`),
      });
      const insertSeconds = seconds(started);
      log(`loaded ${events.toLocaleString('en-US')} events in ${insertSeconds.toFixed(1)} s (head ${head})`);
      await sql.exec(`vacuum analyze ${storeSchema}.events`);
      const copy = await rawCopy(sql, storeSchema, log);
      const copyRate = copy && events / copy.bare;
      if (copy) {
        log(
          `raw COPY of the same ${events.toLocaleString('en-US')} rows: ${copy.bare.toFixed(1)} s into a bare table ` +
            `(${Math.round(events / copy.bare).toLocaleString('en-US')} rows/s), ` +
            `${copy.indexed.toFixed(1)} s with the ` +
            `event store's indexes (${Math.round(events / copy.indexed).toLocaleString('en-US')} rows/s)`,
        );
      }

      const store = postgresEventStore(sql, { schema: storeSchema });
      // No live runners: the rebuild alone is measured (the live v1 stands at 0, so every switch is immediate).
      const service = createProjectionService({
        access: NO_AUTH,
        eventStore: store,
        readDb: sql,
        cache: memoryCache({ maxEntries: 10 }),
        prefix,
        logger: silentLogger,
      });
      await migrateReadModels(sql, prefix);
      const note = (rate: number, figure: string) =>
        `target ≥ ${(TARGETS[figure] ?? TARGET).toLocaleString('en-US')}` +
        (copyRate ? `; ${(rate / copyRate).toFixed(2)}× raw COPY` : '');
      const measure = async (figure: string, names: ProjectionName[], what: string) => {
        const { seconds: taken, cpu } = await rebuildAll(service, names, events);
        const rate = events / taken;
        log(`${what}: ${taken.toFixed(1)} s, ${Math.round(rate).toLocaleString('en-US')} events/s; ${cpu}`);
        const each = names.length > 1 ? `each event into all ${names.length} projections; ` : '';
        figures.push({
          name: `rebuild.${figure}.events_per_s`,
          value: Math.round(rate),
          unit: 'events/s',
          note: `${each}${note(rate, figure)}${cpu && `; ${cpu}`}`,
        });
      };
      for (const projection of liveProjections.filter((p) => !ONLY || ONLY.includes(p.name)))
        await measure(projection.name, [projection.name], projection.name);
      if (!ONLY || ONLY.includes('all'))
        await measure(
          'all_at_once',
          liveProjections.map((p) => p.name),
          `all ${liveProjections.length} at once`,
        );
      if (copy) {
        figures.push({
          name: 'raw_copy.rows_per_s',
          value: Math.round(events / copy.bare),
          unit: 'rows/s',
          note: 'COPY FROM a server file into a bare table of the events columns',
        });
        figures.push({
          name: 'raw_copy_indexed.rows_per_s',
          value: Math.round(events / copy.indexed),
          unit: 'rows/s',
          note: "the same into a table with the event store's five indexes",
        });
      }
      figures.push({
        name: 'raw_multirow_insert.rows_per_s',
        value: Math.round(events / insertSeconds),
        unit: 'rows/s',
        note: 'the load: 5,000-row unnest inserts from Node',
      });
      await service.stop();
      await store.close();
      return figures;
    } finally {
      await dropReadModels(sql, prefix).catch(() => undefined);
      await sql.exec(`drop schema if exists ${storeSchema} cascade`).catch(() => undefined);
      await sql.close();
    }
  },
};
