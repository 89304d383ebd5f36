import { afterAll, afterEach, expect, it } from 'vitest';
import {
  NO_AUTH,
  adminSchema,
  createLogger,
  kafkaFeed,
  memoryCache,
  memoryEventStore,
  pgSql,
  readEffectiveCheckpoints,
  silentLogger,
  type EventFeed,
  type EventStore,
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
import { projectionStatuses } from '../admin/projection-status.js';
import { liveProjections } from '../projections/index.js';
import { migrateReadModels } from '../read-models/migrate.js';
import { createProjectionService, type ProjectionService } from '../service.js';
import { appendHistory, sampleHistory } from '../testing/sample-history.js';
import { dropReadModels, dumpReadModels } from '../testing/read-model-dump.js';

// Projection workers on Kafka (distributed mode) against a real broker and, when DATABASE_URL is set, PostgreSQL.

const PARTITIONS = 4;
const logger = process.env.LOG_LEVEL === 'debug' ? createLogger('debug') : silentLogger;

/** Notes the partitions a worker was handed batches of, as `<projection>#p<partition>`. */
const recording = (feed: EventFeed, key: string, seen: Set<string>): EventFeed =>
  async function* (after, signal, checkpointOf) {
    for await (const round of feed(after, signal, checkpointOf)) {
      for (const batch of round) seen.add(`${key}#p${batch.partition}`);
      yield round;
    }
  };

describeWithService('KAFKA_BROKERS', 'projection workers on Kafka', (brokers) => {
  const databaseUrl = serviceUrl('DATABASE_URL');
  const pglite = sharedPglite();
  let postgres: Sql | undefined;
  const openSql = async () => (databaseUrl ? (postgres ??= pgSql(databaseUrl)) : pglite());
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await postgres?.close();
  });

  async function readModels(sql: Sql) {
    const prefix = `${freshName('k')}_`;
    await migrateReadModels(sql, prefix);
    if (databaseUrl) cleanups.push(() => dropReadModels(sql, prefix));
    return prefix;
  }

  /** The read models a single embedded run (the event store's own subscription) gives over the same history. */
  async function embeddedRun(sql: Sql, store: EventStore, head: bigint) {
    const prefix = await readModels(sql);
    const service = createProjectionService({
      access: NO_AUTH,
      eventStore: store,
      readDb: sql,
      cache: memoryCache({ maxEntries: 100 }),
      prefix,
      logger,
    });
    await service.start();
    expect(await service.waitFor(head, 20_000)).toBe(true);
    await service.stop();
    return dumpReadModels(sql, prefix);
  }

  /** A topic, read models, and projection workers on Kafka that all read the same consumer groups. */
  async function distributed(sql: Sql, store: EventStore) {
    const topic: TestTopic = await createTestTopic(brokers, PARTITIONS);
    cleanups.push(() => topic.close());
    const prefix = await readModels(sql);
    const group = freshName('group');
    const groupOf = (key: string) => `${group}.projection.${key}`;
    const workers: ProjectionService[] = [];
    cleanups.push(() => Promise.all(workers.map((w) => w.stop())).then(() => undefined));
    // Per worker, the partitions it was handed batches of, as `<projection>#p<partition>`.
    const seen: Set<string>[] = [];
    const keys = liveProjections.map((projection) => projection.schema(prefix));
    return {
      topic,
      prefix,
      keys,
      groupOf,
      async startWorker(): Promise<ProjectionService> {
        const partitions = new Set<string>();
        const worker = createProjectionService({
          access: NO_AUTH,
          eventStore: store,
          readDb: sql,
          cache: memoryCache({ maxEntries: 100 }),
          prefix,
          logger,
          feedFor: (key, wants) =>
            recording(
              kafkaFeed({
                ...fastKafkaFeed,
                brokers: topic.brokers,
                topic: topic.topic,
                groupId: groupOf(key),
                logger,
                batchSize: 2,
                wants,
                eventStore: store,
              }),
              key,
              partitions,
            ),
          feedPartitions: PARTITIONS,
          backoff: { initialMs: 10, maxMs: 200 },
        });
        workers.push(worker);
        seen.push(partitions);
        await worker.start();
        return worker;
      },
      partitionsOf: (worker: number, key: string) =>
        [...seen[worker]!].filter((entry) => entry.startsWith(`${key}#`)).length,
      effective: async () => [...(await readEffectiveCheckpoints(sql, adminSchema(prefix), keys, PARTITIONS)).values()],
    };
  }

  it('two workers of one group split the partitions, hand over when one stops, and project what an embedded run does', async () => {
    const sql = await openSql();
    const store = memoryEventStore();
    const { topic, prefix, keys, groupOf, startWorker, partitionsOf, effective } = await distributed(sql, store);
    const first = await startWorker();
    await startWorker();
    // Both members in every group before any event, so each worker gets partitions with work on them.
    for (const key of keys) await expect.poll(() => topic.stableMembers(groupOf(key)), { timeout: 20_000 }).toBe(2);

    const pump = pumpToKafka(store, topic);
    cleanups.push(() => pump.stop());
    const half = Math.floor(sampleHistory.length / 2);
    const halfway = await appendHistory(store, sampleHistory.slice(0, half));
    await expect.poll(effective, { timeout: 20_000 }).toEqual(keys.map(() => halfway));
    expect(keys.map((key) => [partitionsOf(0, key), partitionsOf(1, key)])).toEqual(
      keys.map(() => [PARTITIONS / 2, PARTITIONS / 2]),
    );

    // One worker stops (leaving its groups): the other takes its partitions over from their committed offsets.
    await first.stop();
    const head = await appendHistory(store, sampleHistory.slice(half));
    await expect.poll(effective, { timeout: 20_000 }).toEqual(keys.map(() => head));
    expect(keys.map((key) => partitionsOf(1, key))).toEqual(keys.map(() => PARTITIONS));

    const statuses = await projectionStatuses({
      sql,
      eventStore: store,
      prefix,
      projections: liveProjections,
      feedPartitions: PARTITIONS,
    });
    expect(statuses.map((status) => [status.checkpoint, status.lagEvents])).toEqual(
      keys.map(() => [head.toString(), 0]),
    );

    const dump = await dumpReadModels(sql, prefix);
    const reference = await embeddedRun(sql, store, head);
    expect({ ...dump, checkpoints: [] }).toEqual({ ...reference, checkpoints: [] });
    expect(dump.products).toHaveLength(3);
    // One row per projection and partition, all at the head: the relay's last watermark reached every partition.
    expect(dump.checkpoints).toEqual(
      keys
        .flatMap((key) => Array.from({ length: PARTITIONS }, (_, p) => `${key.slice(prefix.length)}#p${p}@${head}`))
        .sort(),
    );
  });

  it('gives the rows of an embedded run when a worker joins while events flow (rebalances mid-stream)', async () => {
    const sql = await openSql();
    const store = memoryEventStore();
    const { topic, prefix, keys, startWorker, effective } = await distributed(sql, store);
    await startWorker();
    const pump = pumpToKafka(store, topic);
    cleanups.push(() => pump.stop());
    let head = 0n;
    let joining: Promise<unknown> | undefined;
    for (const [i, step] of sampleHistory.entries()) {
      if (i === 8) joining = startWorker();
      head = await appendHistory(store, [step]);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await joining;
    await expect.poll(effective, { timeout: 20_000 }).toEqual(keys.map(() => head));
    const dump = await dumpReadModels(sql, prefix);
    expect({ ...dump, checkpoints: [] }).toEqual({ ...(await embeddedRun(sql, store, head)), checkpoints: [] });
  });

  it('projects every event after its groups lost their offsets: what Kafka skipped comes from the event store', async () => {
    const sql = await openSql();
    const store = memoryEventStore();
    const { topic, prefix, keys, groupOf, startWorker, effective } = await distributed(sql, store);
    // The relay's job, by hand, so that the test knows what Kafka holds when it moves the offsets.
    const relayAfter = async (after: bigint) => topic.relay(await store.readAll({ after }));
    const first = await startWorker();
    const third = Math.floor(sampleHistory.length / 3);
    const early = await appendHistory(store, sampleHistory.slice(0, third));
    await relayAfter(0n);
    await expect.poll(effective, { timeout: 20_000 }).toEqual(keys.map(() => early));
    await first.stop();

    // While no worker runs, events arrive, then every group's offsets move to the end of the log (expired offsets
    // under auto.offset.reset=latest, or an operator's reset): Kafka alone would never bring those events again.
    const middle = await appendHistory(store, sampleHistory.slice(third, 2 * third));
    await relayAfter(early);
    await Promise.all(keys.map((key) => topic.resetToLatest(groupOf(key))));
    const head = await appendHistory(store, sampleHistory.slice(2 * third));
    await relayAfter(middle);

    await startWorker();
    await expect.poll(effective, { timeout: 20_000 }).toEqual(keys.map(() => head));
    const dump = await dumpReadModels(sql, prefix);
    expect({ ...dump, checkpoints: [] }).toEqual({ ...(await embeddedRun(sql, store, head)), checkpoints: [] });
  });
});
