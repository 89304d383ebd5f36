import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  NO_AUTH,
  memoryCache,
  pgSql,
  postgresEventStore,
  projectionNames,
  type EventStore,
  type Sql,
} from '@order-engine/shared';
import { describeWithService, freshName } from '@order-engine/shared/testing';
import { entryPoints, freePort, startService, type ServiceProcess } from '../../../e2e/processes.js';
import { createProjectionService } from '../service.js';
import { bulkLoad } from '../testing/bulk-load.js';
import { generatedHistory } from '../testing/generated-history.js';
import { dropReadModels, dumpReadModels, tablesOf } from '../testing/read-model-dump.js';
import { projectionClient } from '@order-engine/client';
import { jobEnded, testLogger } from '../testing/rebuild-world.js';

// projection-service as a real process, SIGKILLed in the middle of rebuilding every projection: started again, it
// takes its stale jobs over, resumes each from its own checkpoint, and ends with the rows of a clean replay.

describeWithService('DATABASE_URL', 'a rebuild whose process is killed', (databaseUrl) => {
  const prefix = `${freshName('kill')}_`;
  const storeSchema = `${prefix}events`;
  let sql: Sql;
  let store: EventStore;
  let service: ServiceProcess | undefined;
  let head = 0n;

  beforeAll(async () => {
    sql = pgSql(databaseUrl);
    ({ head } = await bulkLoad(sql, storeSchema, generatedHistory({ products: 40, orders: 4_000, seed: 3 })));
    store = postgresEventStore(sql, { schema: storeSchema });
    const port = await freePort();
    service = await startService(
      'projection',
      entryPoints.projection,
      {
        DATABASE_URL: databaseUrl,
        EVENT_STORE: 'postgres',
        READ_DB: 'postgres',
        BUS: 'inprocess',
        CACHE: 'memory',
        EVENT_STORE_SCHEMA: storeSchema,
        READ_MODEL_PREFIX: prefix,
        PROJECTION_PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        REBUILD_PAGE_SIZE: '200',
        REBUILD_STALE_AFTER_MS: '1000',
        REBUILD_RETIRE_AFTER_MS: '500',
      },
      port,
    );
  });

  afterAll(async () => {
    await service?.kill('SIGTERM');
    await store?.close();
    await dropReadModels(sql, prefix);
    await dropReadModels(sql, `${prefix}clean_`);
    await sql.exec(`drop schema if exists ${storeSchema} cascade`);
    await sql.close();
  });

  it('resumes every rebuild from its checkpoint after a SIGKILL and ends with the rows of a clean replay', async () => {
    const url = service!.url!;
    const api = projectionClient(url);
    const jobs = await Promise.all(
      projectionNames.map(
        async (name) => (await api.POST('/projections/{name}/rebuild', { params: { path: { name } } })).data!,
      ),
    );
    for (const job of jobs) expect(job).toMatchObject({ status: 'running', targetVersion: 2 });

    // Killed once every job has made progress, and before any has finished.
    await expect
      .poll(
        async () => {
          const [row] = await sql.query<{ progressing: number; done: number }>(
            `select count(*) filter (where events_done > 0)::int as progressing, count(*) filter (where status <> 'running')::int as done from ${prefix}projections.rebuild_jobs`,
          );
          if (row!.done > 0) return 'too late';
          return row!.progressing === projectionNames.length ? 'every job has made progress' : row!.progressing;
        },
        { timeout: 60_000, interval: 10 },
      )
      .toBe('every job has made progress');
    await service!.kill('SIGKILL');
    const stopped = await sql.query<{ status: string; events_done: string; events_total: string }>(
      `select status, events_done::text, events_total::text from ${prefix}projections.rebuild_jobs`,
    );
    expect(stopped.map((job) => job.status)).toEqual(projectionNames.map(() => 'running'));
    const halfway = stopped.filter((job) => BigInt(job.events_done) < head);
    expect(halfway.length).toBeGreaterThan(0);

    await service!.restart();
    for (const job of jobs)
      expect(await jobEnded(url, job.projection, job.jobId, 120_000)).toMatchObject({
        status: 'done',
        eventsDone: Number(head),
      });
    expect(service!.output()).toContain('rebuild resumed');
    const statuses = (await api.GET('/projections')).data!;
    expect(statuses.map((s) => [s.version, s.status])).toEqual(projectionNames.map(() => [2, 'live']));

    const clean = createProjectionService({
      access: NO_AUTH,
      eventStore: store,
      readDb: sql,
      cache: memoryCache({ maxEntries: 10 }),
      prefix: `${prefix}clean_`,
      logger: testLogger,
    });
    await clean.start();
    expect(await clean.waitFor(head, 60_000)).toBe(true);
    await clean.stop();
    expect(tablesOf(await dumpReadModels(sql, prefix))).toEqual(tablesOf(await dumpReadModels(sql, `${prefix}clean_`)));
  });
});
