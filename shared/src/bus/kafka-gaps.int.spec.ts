import { afterAll, afterEach, expect, it } from 'vitest';
import type { EventStore, GlobalPosition, RecordedEvent } from '../event-store/event-store.js';
import { postgresEventStore } from '../event-store/postgres/postgres-event-store.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { pgSql } from '../sql/pg-sql.js';
import type { Sql } from '../sql/sql.js';
import { createTestTopic, fastKafkaFeed, type TestTopic } from '../testing/kafka.js';
import { freshName } from '../testing/names.js';
import { sharedPglite } from '../testing/pglite.js';
import { describeWithService, serviceUrl } from '../testing/services.js';
import { kafkaFeed } from './kafka-feed.js';

// Kafka losing what a consumer group has not read yet, against a real broker and a real event store: the feed must
// notice and deliver the lost events from `$all`, and say so. A fresh topic, group and event store schema per test.

const PARTITIONS = 3;
const STREAMS = 7;

interface LogLine {
  level: string;
  msg: string;
  partition?: number;
  [field: string]: unknown;
}

describeWithService('KAFKA_BROKERS', 'Kafka feed gaps', (brokers) => {
  const databaseUrl = serviceUrl('DATABASE_URL');
  const pglite = sharedPglite();
  let postgres: Sql | undefined;
  const openSql = async () => (databaseUrl ? (postgres ??= pgSql(databaseUrl)) : pglite());
  const cleanups: (() => Promise<void>)[] = [];
  const lines: LogLine[] = [];
  const logger: Logger = createLogger('debug', {}, (line) => lines.push(JSON.parse(line) as LogLine));

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    lines.splice(0);
  });
  afterAll(async () => {
    await postgres?.close();
  });

  /** An event store in a fresh schema, and a topic the test relays it to as the relay does (events, then watermarks). */
  async function setUp() {
    const sql = await openSql();
    const schema = freshName('gaps');
    const store = postgresEventStore(sql, { schema, pollIntervalMs: 20 });
    cleanups.push(async () => {
      await store.close();
      await sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
    const topic = await createTestTopic(brokers, PARTITIONS);
    cleanups.push(() => topic.close());
    let appended = 0;
    /** Appends `count` events over a few streams and relays them to the topic. */
    const appendAndRelay = async (count: number) => {
      const events: RecordedEvent[] = [];
      for (let i = 0; i < count; i++, appended++) {
        events.push(
          ...(
            await store.append(`product-g${appended % STREAMS}`, [
              { type: 'StockAdded', version: 1, data: { n: appended } },
            ])
          ).events,
        );
      }
      await topic.relay(events);
    };
    return { store, topic, appendAndRelay, consumer: (groupId: string) => checkpointedReader(store, topic, groupId) };
  }

  // What a consumer in this engine keeps: a checkpoint per partition, and each event it handled.
  const checkpoints = new Map<string, Map<number, GlobalPosition>>();
  const handled = new Map<string, RecordedEvent[]>();

  /** A consumer of the group that handles (records) each event past its partition's checkpoint, until stop(). */
  function checkpointedReader(store: EventStore, topic: TestTopic, groupId: string) {
    const rows = checkpoints.get(groupId) ?? new Map<number, GlobalPosition>();
    const seen = handled.get(groupId) ?? [];
    checkpoints.set(groupId, rows);
    handled.set(groupId, seen);
    const controller = new AbortController();
    const feed = kafkaFeed({
      ...fastKafkaFeed,
      brokers: topic.brokers,
      topic: topic.topic,
      groupId,
      logger,
      eventStore: store,
      batchSize: 4,
    });
    let failure: unknown;
    const reading = (async () => {
      for await (const round of feed(0n, controller.signal, async (partition) => rows.get(partition) ?? 0n)) {
        for (const { partition, events, through } of round) {
          const done = rows.get(partition!) ?? 0n;
          seen.push(...events.filter((event) => event.position > done));
          if (through > done) rows.set(partition!, through);
        }
      }
    })().catch((error: unknown) => (failure = error));
    const stop = async () => {
      controller.abort();
      await reading;
      if (failure) throw failure;
    };
    // A test that fails half-way still leaves the group before its topic goes.
    cleanups.push(() => stop().catch(() => undefined));
    return {
      /** Resolves once every partition's checkpoint has reached the store's head. */
      async caughtUp() {
        const head = await store.headPosition();
        await expect
          .poll(() => Array.from({ length: PARTITIONS }, (_, p) => rows.get(p) ?? 0n).every((row) => row >= head), {
            timeout: 30_000,
          })
          .toBe(true);
      },
      stop,
    };
  }

  /** Every event of the store was handled exactly once, each stream's in revision order. */
  async function expectEveryEventHandledOnce(store: EventStore, groupId: string) {
    const all = await store.readAll({});
    const seen = handled.get(groupId) ?? [];
    expect(seen.map((event) => event.eventId).sort()).toEqual(all.map((event) => event.eventId).sort());
    for (let stream = 0; stream < STREAMS; stream++) {
      const revisions = seen.filter((event) => event.streamId === `product-g${stream}`).map((event) => event.revision);
      expect(revisions).toEqual(revisions.map((_, i) => i));
    }
  }

  const gapWarnings = () =>
    lines.filter((line) => line.level === 'warn' && line.msg.startsWith('Kafka partition lost events'));

  /** A member of the group reads until it has caught up, then leaves. */
  async function readAndLeave(consumer: (groupId: string) => ReturnType<typeof checkpointedReader>, groupId: string) {
    const member = consumer(groupId);
    await member.caughtUp();
    await member.stop();
  }

  /** A member of the group reads until the group has handled `total` events, leaves, and each was handled once. */
  async function readAllAndLeave(
    consumer: (groupId: string) => ReturnType<typeof checkpointedReader>,
    store: EventStore,
    groupId: string,
    total: number,
  ) {
    const member = consumer(groupId);
    await member.caughtUp();
    await expect.poll(() => (handled.get(groupId) ?? []).length, { timeout: 30_000 }).toBe(total);
    await member.stop();
    await expectEveryEventHandledOnce(store, groupId);
  }

  it('reads from $all what a group whose offsets were reset to the latest never handled, and says so', async () => {
    const { store, topic, appendAndRelay, consumer } = await setUp();
    const groupId = freshName('group');
    await appendAndRelay(20);
    await readAndLeave(consumer, groupId);

    // A plain restart continues from the committed offsets: no gap, no event store read.
    await appendAndRelay(6);
    await readAndLeave(consumer, groupId);
    expect(gapWarnings()).toEqual([]);

    // Events arrive while the group is away; then its offsets are moved to the end of the log (as if they had
    // expired under auto.offset.reset=latest, or an operator reset them), and more events arrive.
    await appendAndRelay(15);
    const latest = await topic.resetToLatest(groupId);
    expect(await topic.committed(groupId)).toEqual(latest);
    await appendAndRelay(5);

    await readAllAndLeave(consumer, store, groupId, 46);
    const warnings = gapWarnings();
    expect(warnings.length).toBeGreaterThan(0);
    for (const warning of warnings) {
      expect(warning).toMatchObject({
        topic: topic.topic,
        partition: expect.any(Number),
        checkpoint: expect.any(String),
        position: expect.any(String),
        offset: expect.any(String),
      });
      // The group's committed offset was where the reset put it, at the end of the log of that moment.
      expect(Number(warning.committedOffset)).toBe(latest[warning.partition!]);
    }
  });

  it('reads from $all what the topic lost to deleted records before the group read it, and says so', async () => {
    const { store, topic, appendAndRelay, consumer } = await setUp();
    const groupId = freshName('group');
    await appendAndRelay(12);
    await readAndLeave(consumer, groupId);

    // The group is away while events arrive, and the topic loses them (retention, or an operator's deleteRecords):
    // its committed offsets fall below the log's start, so Kafka restarts it at the earliest offset left.
    await appendAndRelay(18);
    const committed = await topic.committed(groupId);
    await topic.deleteRecords();
    await appendAndRelay(6);

    await readAllAndLeave(consumer, store, groupId, 36);
    const warnings = gapWarnings();
    expect(warnings.length).toBeGreaterThan(0);
    for (const warning of warnings) {
      expect(Number(warning.earliestOffset)).toBeGreaterThan(committed[warning.partition!]!);
    }
  });

  it('reads from $all what a deleted and recreated topic lost before the group read it, and says so', async () => {
    const { store, topic, appendAndRelay, consumer } = await setUp();
    const groupId = freshName('group');
    await appendAndRelay(10);
    await readAndLeave(consumer, groupId);

    // Events arrive while the group is away, and go with the topic; the relay carries on into the new one.
    await appendAndRelay(14);
    await topic.recreate();
    expect(await topic.committed(groupId)).toEqual(Array.from({ length: PARTITIONS }, () => -1));
    await appendAndRelay(4);

    await readAllAndLeave(consumer, store, groupId, 28);
    expect(gapWarnings().length).toBeGreaterThan(0);
  });
});
