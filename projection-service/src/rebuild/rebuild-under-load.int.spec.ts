import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  NO_AUTH,
  adminSchema,
  kafkaFeed,
  memoryCache,
  pgSql,
  projectionNames,
  readEffectiveCheckpoints,
  type EventStore,
  type GlobalPosition,
  type Sql,
} from '@order-engine/shared';
import {
  createTestTopic,
  describeWithService,
  fastKafkaFeed,
  freshName,
  pumpToKafka,
  serviceUrl,
  sharedPglite,
  type TestTopic,
} from '@order-engine/shared/testing';
import { liveProjections } from '../projections/index.js';
import { createProjectionService } from '../service.js';
import { generatedHistory } from '../testing/generated-history.js';
import { dropReadModels, dumpReadModels, tablesOf } from '../testing/read-model-dump.js';
import {
  jobEnded,
  rebuildWorld,
  requestJson,
  testLogger,
  type RebuildWorld,
  type RunningInstance,
} from '../testing/rebuild-world.js';
import { appendHistory } from '../testing/sample-history.js';

// The live projection keeps running until the switch, and nothing is lost or applied twice across it: events keep
// arriving while every projection is rebuilt, and afterwards the live read models equal a fresh replay of the store.
// Embedded (the event store's subscription: the new version's runner continues from the rebuild's checkpoint) and on
// Kafka (the new version's consumer groups start from the earliest offset, behind the checkpoints the switch seeded).

/** The rows a fresh replay of the whole store gives, in a prefix of its own. */
async function freshReplay(w: RebuildWorld, head: GlobalPosition, options: { dropSchemas: boolean }) {
  const prefix = `${freshName('fresh')}_`;
  const service = createProjectionService({
    access: NO_AUTH,
    eventStore: w.store,
    readDb: w.sql,
    cache: memoryCache({ maxEntries: 10 }),
    prefix,
    logger: testLogger,
  });
  await service.start();
  expect(await service.waitFor(head, 30_000)).toBe(true);
  await service.stop();
  const dump = tablesOf(await dumpReadModels(w.sql, prefix));
  if (options.dropSchemas) await dropReadModels(w.sql, prefix);
  return dump;
}

/**
 * The event store as the rebuilds read it, closed until the writer has made 25 steps: a rebuild ends under writes on
 * any machine. On PGlite in this process the queries hold the event loop, and so the writer's timer: without the
 * gate, the steps that land during a rebuild depend on the Node version (15 on Node 24, over 200 on Node 20 here).
 */
interface GatedStore {
  store: EventStore;
  open(): void;
}

function gated(store: EventStore): GatedStore {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    store: {
      ...store,
      readAll: async (options) => {
        await opened;
        return store.readAll(options);
      },
    },
    open,
  };
}

/** Appends a second history step by step while `busy` runs, and 50 steps more after it; the head afterwards. */
async function writeWhile(w: RebuildWorld, gate: GatedStore, busy: Promise<unknown>): Promise<GlobalPosition> {
  let done = false;
  void busy.finally(() => (done = true));
  let head = 0n;
  let after = 0;
  let during = 0;
  try {
    for (const step of generatedHistory({ products: 4, orders: 5_000, seed: 7, idPrefix: 'live-' })) {
      head = await appendHistory(w.store, [step]);
      if (done && ++after >= 50) break;
      if (!done && ++during === 25) gate.open();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    gate.open();
  }
  await busy;
  // The switch happened under writes, not before or after them.
  expect(during).toBeGreaterThan(20);
  return head;
}

async function rebuildEverything(url: string): Promise<void> {
  const jobs = await Promise.all(
    projectionNames.map((name) => requestJson(`${url}/projections/${name}/rebuild`, { method: 'POST' })),
  );
  for (const { status, body } of jobs) {
    expect(status).toBe(202);
    expect(await jobEnded(url, body.projection, body.jobId, 120_000)).toMatchObject({ status: 'done' });
  }
}

function underLoadSpecs(openSql: () => Promise<Sql>, options: { dropSchemas: boolean }) {
  let world: RebuildWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('loses and doubles nothing across the switch while events keep arriving (embedded feed)', async () => {
    const w = (world = await rebuildWorld(await openSql(), { products: 10, orders: 120 }, options));
    const gate = gated(w.store);
    const a = await w.instance({ rebuildWith: { eventStore: gate.store, readDb: w.sql } });
    expect(await a.service.waitFor(w.head, 30_000)).toBe(true);
    const head = await writeWhile(w, gate, rebuildEverything(a.url));
    expect(await a.service.waitFor(head, 30_000)).toBe(true);
    expect(a.service.runners.map((runner) => runner.version)).toEqual(liveProjections.map(() => 2));
    const live = await dumpReadModels(w.sql, w.prefix);
    expect(live.dead_letters).toEqual([]);
    expect(tablesOf(live)).toEqual(await freshReplay(w, head, options));
  });
}

describe('rebuilds under load on PGlite', () => {
  underLoadSpecs(sharedPglite(), { dropSchemas: false });
});

describeWithService('DATABASE_URL', 'rebuilds under load on PostgreSQL', (url) => {
  let sql: Sql | undefined;
  afterAll(async () => {
    await sql?.close();
  });
  underLoadSpecs(async () => (sql ??= pgSql(url)), { dropSchemas: true });
});

describeWithService('KAFKA_BROKERS', 'rebuilds with projection workers on Kafka', (brokers) => {
  const PARTITIONS = 4;
  const databaseUrl = serviceUrl('DATABASE_URL');
  const pglite = sharedPglite();
  let postgres: Sql | undefined;
  let world: RebuildWorld | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await world?.close();
    world = undefined;
  });
  afterAll(async () => {
    await postgres?.close();
  });

  it('switches two Kafka workers to the rebuilt versions while events flow, losing and doubling nothing', async () => {
    const sql = databaseUrl ? (postgres ??= pgSql(databaseUrl)) : await pglite();
    const w = (world = await rebuildWorld(
      sql,
      { products: 10, orders: 100 },
      { dropSchemas: databaseUrl !== undefined },
    ));
    const topic: TestTopic = await createTestTopic(brokers, PARTITIONS);
    cleanups.push(() => topic.close());
    const pump = pumpToKafka(w.store, topic);
    cleanups.push(() => pump.stop());
    const group = freshName('group');
    const groupOf = (key: string) => `${group}.projection.${key}`;
    const gate = gated(w.store);
    const worker = () =>
      w.instance({
        rebuildWith: { eventStore: gate.store, readDb: sql },
        feedFor: (key, wants) =>
          kafkaFeed({
            ...fastKafkaFeed,
            brokers: topic.brokers,
            topic: topic.topic,
            groupId: groupOf(key),
            logger: testLogger,
            batchSize: 20,
            wants,
          }),
        feedPartitions: PARTITIONS,
      });
    const workers: RunningInstance[] = [await worker(), await worker()];
    const keysAt = (version: number) => liveProjections.map((projection) => projection.schema(w.prefix, version));
    const effective = async (version: number) => [
      ...(await readEffectiveCheckpoints(sql, adminSchema(w.prefix), keysAt(version), PARTITIONS)).values(),
    ];
    await expect.poll(() => effective(1), { timeout: 30_000 }).toEqual(keysAt(1).map(() => w.head));

    const head = await writeWhile(w, gate, rebuildEverything(workers[0]!.url));
    // Both workers follow the switch (the second one through the registry) and the new groups catch up to the head.
    for (const instance of workers)
      await expect
        .poll(() => instance.service.runners.map((runner) => runner.version), { timeout: 10_000 })
        .toEqual(liveProjections.map(() => 2));
    await expect.poll(() => effective(2), { timeout: 30_000 }).toEqual(keysAt(2).map(() => head));
    for (const key of keysAt(2))
      expect((await topic.committed(groupOf(key))).every((offset) => offset >= 0)).toBe(true);

    const live = await dumpReadModels(sql, w.prefix);
    // The errors say why, should an event ever be set aside here.
    const errors = await sql.query(`select projection, event_type, error from ${adminSchema(w.prefix)}.dead_letters`);
    expect(errors).toEqual([]);
    expect(tablesOf(live)).toEqual(await freshReplay(w, head, { dropSchemas: databaseUrl !== undefined }));
  });
});
