import { afterAll, beforeAll, expect, it } from 'vitest';
import { pgSql, postgresEventStore, silentLogger, type EventStore, type Sql } from '@order-engine/shared';
import { describeWithService, freshName, testKafkaSecurity } from '@order-engine/shared/testing';
import { kafkaProducer, type EventProducer } from './kafka-producer.js';
import { postgresLease, relaySchema, type Lease } from './lease.js';
import { createRelay, type Relay } from './relay.js';
import {
  appendInterleaved,
  duplicatesIn,
  eventually,
  expectEveryEvent,
  expectPerStreamOrder,
  readTopics,
  type TopicReader,
} from './relay-testing.js';

const PARTITIONS = 3;
/** The admin's credentials (none without SASL): the tests' topics have names of their own, outside the ACLs. */
const security = testKafkaSecurity();

/** A producer whose sends can be held at a gate, to fence a relay in the middle of a batch. */
function gatedProducer(inner: EventProducer) {
  let gate: Promise<void> | undefined;
  let open = () => {};
  let waiting = 0;
  return {
    close: () => inner.close(),
    connect: () => inner.connect(),
    partitions: () => inner.partitions(),
    async send(messages: Parameters<EventProducer['send']>[0]) {
      if (gate) {
        waiting += 1;
        await gate;
      }
      await inner.send(messages);
    },
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      gate = undefined;
      open();
    },
    waiting: () => waiting,
  } satisfies EventProducer & Record<string, unknown>;
}

/** Counts checkpoint saves that succeeded, with the time they did. */
function recordingLease(inner: Lease, saved: number[]): Lease {
  return {
    async acquire(name, signal) {
      const held = await inner.acquire(name, signal);
      if (!held) return held;
      return {
        ...held,
        pid: held.pid,
        lost: held.lost,
        saveCheckpoint: async (position) => {
          await held.saveCheckpoint(position);
          saved.push(Date.now());
        },
      };
    },
  };
}

describeWithService('KAFKA_BROKERS', 'relay: one active instance, fast takeover', (brokersVar) => {
  describeWithService('DATABASE_URL', 'on PostgreSQL', (url) => {
    const brokers = brokersVar.split(',');
    const topic = freshName('relay_takeover');
    const prefix = `${freshName('relay')}_`;
    let sql: Sql;
    let reader: TopicReader;
    let eventStore: EventStore;
    const relays: Relay[] = [];
    const producers: EventProducer[] = [];

    beforeAll(async () => {
      sql = pgSql(url);
      eventStore = postgresEventStore(sql, { schema: `${prefix}events`, pollIntervalMs: 50 });
      reader = await readTopics(brokers, [topic], PARTITIONS);
    });
    afterAll(async () => {
      await Promise.all(relays.map((relay) => relay.stop()));
      await Promise.all(producers.map((producer) => producer.close()));
      await reader?.close();
      await eventStore?.close();
      await sql?.exec(
        `DROP SCHEMA IF EXISTS ${prefix}events CASCADE; DROP SCHEMA IF EXISTS ${relaySchema(prefix)} CASCADE;`,
      );
      await sql?.close();
    });

    const startRelay = (producer: EventProducer, lease: Lease): Relay => {
      producers.push(producer);
      const relay = createRelay({
        eventStore,
        producer,
        lease,
        logger: silentLogger,
        name: 'relay',
        batchSize: 20,
        backoff: { initialMs: 50, maxMs: 400 },
      });
      relays.push(relay);
      relay.start();
      return relay;
    };

    it('relays on one instance only; when its lease connection dies the standby takes over from the checkpoint and the fenced one saves nothing', async () => {
      const newLease = () =>
        postgresLease({ connectionString: url, prefix, pollIntervalMs: 200, logger: silentLogger });
      const producerA = gatedProducer(
        kafkaProducer({ brokers, topic, partitions: PARTITIONS, replicationFactor: 1, logger: silentLogger, security }),
      );
      const savedByA: number[] = [];
      const a = startRelay(producerA, recordingLease(newLease(), savedByA));
      await eventually(() => expect(a.status().state).toBe('active'));
      const b = startRelay(
        kafkaProducer({ brokers, topic, partitions: PARTITIONS, replicationFactor: 1, logger: silentLogger, security }),
        newLease(),
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(b.status().state).toBe('standby');

      const first = await appendInterleaved(eventStore, 4, 5, 'a');
      await reader.until(topic, (got) => expectEveryEvent(got, first));
      await eventually(() => expect(a.status()).toMatchObject({ eventsRelayed: first, checkpoint: BigInt(first) }));
      expect(b.status()).toMatchObject({ state: 'standby', eventsRelayed: 0 });

      // Fence A in the middle of a batch: its send is held while its lease connection is terminated.
      producerA.hold();
      const second = await appendInterleaved(eventStore, 4, 3, 'b');
      await eventually(() => expect(producerA.waiting()).toBe(1));
      const killedAt = Date.now();
      await sql.query('SELECT pg_terminate_backend($1)', [a.status().leasePid]);
      await eventually(() => expect(b.status().state).toBe('active'), 5_000);
      const takeoverMs = Date.now() - killedAt;
      expect(takeoverMs).toBeLessThan(3_000);
      // A's batch now reaches Kafka after all (a duplicate of what B sends), but A must not checkpoint it.
      producerA.release();
      const third = await appendInterleaved(eventStore, 4, 2, 'c');
      const total = first + second + third;

      const received = await reader.until(topic, (got) => expectEveryEvent(got, total));
      await eventually(() => expect(b.status().checkpoint).toBe(BigInt(total)));
      expectPerStreamOrder(received);
      // B resumed from A's checkpoint instead of the beginning.
      expect(b.status().eventsRelayed).toBe(second + third);
      expect(savedByA.filter((at) => at >= killedAt)).toEqual([]);
      expect(a.status().state).not.toBe('active');
      expect(a.status().eventsRelayed).toBe(first);
      const [row] = await sql.query<{ position: string }>(
        `SELECT position::text AS position FROM ${relaySchema(prefix)}.checkpoints WHERE name = 'relay'`,
      );
      expect(row?.position).toBe(String(total));
      // Only A's fenced batch (the first events of the second round, however many its read picked up) went out twice.
      await eventually(() => expect(duplicatesIn(reader.received(topic))).toBeGreaterThan(0));
      expect(duplicatesIn(reader.received(topic))).toBeLessThanOrEqual(second);
    });
  });
});
