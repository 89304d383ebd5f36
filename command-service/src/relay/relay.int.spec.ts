import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { pgSql, postgresEventStore, silentLogger, type EventStore, type Logger, type Sql } from '@order-engine/shared';
import { describeWithService, freshName, testKafkaSecurity } from '@order-engine/shared/testing';
import { kafkaProducer, type EventProducer, type KafkaProducerOptions } from './kafka-producer.js';
import { postgresLease, relaySchema, type HeldLease, type Lease } from './lease.js';
import { createRelay, type Relay, type RelayOptions } from './relay.js';
import {
  appendInterleaved,
  captureLogs,
  closedPort,
  duplicatesIn,
  eventually,
  expectEveryEvent,
  expectPerStreamOrder,
  expectWatermarks,
  readTopics,
  type TopicReader,
} from './relay-testing.js';

const PARTITIONS = 3;

describeWithService('KAFKA_BROKERS', 'relay: event store → Kafka', (brokersVar) => {
  describeWithService('DATABASE_URL', 'on PostgreSQL', (url) => {
    const brokers = brokersVar.split(',');
    // One fresh topic per test, all read by one consumer (a group join costs seconds).
    const topics = Array.from({ length: 6 }, () => freshName('relay_test'));
    let testIndex = 0;
    let sql: Sql;
    let reader: TopicReader;
    let cleanups: (() => Promise<void>)[] = [];
    let test: { topic: string; prefix: string; eventStore: EventStore };

    beforeAll(async () => {
      sql = pgSql(url);
      reader = await readTopics(brokers, topics, PARTITIONS);
    });
    afterAll(async () => {
      await reader?.close();
      await sql?.close();
    });
    beforeEach(() => {
      const prefix = `${freshName('relay')}_`;
      const eventStore = postgresEventStore(sql, { schema: `${prefix}events`, pollIntervalMs: 50 });
      test = { topic: topics[testIndex++] as string, prefix, eventStore };
      cleanups.push(async () => {
        await eventStore.close();
        await sql.exec(
          `DROP SCHEMA IF EXISTS ${prefix}events CASCADE; DROP SCHEMA IF EXISTS ${relaySchema(prefix)} CASCADE;`,
        );
      });
    });
    afterEach(async () => {
      // Relays and producers first, then the schemas.
      for (const cleanup of cleanups.reverse()) await cleanup();
      cleanups = [];
    });

    const producer = (overrides: Partial<KafkaProducerOptions> = {}): EventProducer => {
      const created = kafkaProducer({
        brokers,
        topic: test.topic,
        partitions: PARTITIONS,
        replicationFactor: 1,
        logger: silentLogger,
        security: testKafkaSecurity(),
        ...overrides,
      });
      cleanups.push(() => created.close());
      return created;
    };
    const lease = (logger: Logger = silentLogger): Lease =>
      postgresLease({ connectionString: url, prefix: test.prefix, pollIntervalMs: 100, logger });
    /** A lease whose held leases save their checkpoint through `save` (which may call the real save). */
    const leaseSaving = (save: (held: HeldLease, position: bigint) => Promise<void>): Lease => ({
      async acquire(name, signal) {
        const held = await lease().acquire(name, signal);
        return held && { ...held, saveCheckpoint: (position) => save(held, position) };
      },
    });
    const relay = (overrides: Partial<RelayOptions> = {}): Relay => {
      const created = createRelay({
        eventStore: test.eventStore,
        producer: overrides.producer ?? producer(),
        lease: lease(),
        logger: silentLogger,
        name: 'relay',
        batchSize: 16,
        backoff: { initialMs: 50, maxMs: 400 },
        ...overrides,
      });
      cleanups.push(() => created.stop());
      return created;
    };
    const storedCheckpoint = async () =>
      (
        await sql.query<{ position: string }>(
          `SELECT position::text AS position FROM ${relaySchema(test.prefix)}.checkpoints WHERE name = 'relay'`,
        )
      )[0]?.position;

    it('publishes every event keyed by stream id, each stream in one partition in revision order, with watermarks on every partition', async () => {
      const backlog = await appendInterleaved(test.eventStore, 7, 8);
      // Small produce requests, so a batch goes out in several chunks: order must survive that too.
      const running = relay({ producer: producer({ maxRequestBytes: 2_000 }) });
      running.start();
      // Events appended while it follows the head arrive too.
      const live = await appendInterleaved(test.eventStore, 7, 3, 'live');
      const total = backlog + live;

      const received = await reader.until(test.topic, (got) => expectWatermarks(got, PARTITIONS, BigInt(total)));
      expectEveryEvent(received, total);
      expectPerStreamOrder(received);
      expect(duplicatesIn(received)).toBe(0);
      expect(new Set(received.map((entry) => entry.partition)).size).toBe(PARTITIONS);
      await eventually(() =>
        expect(running.status()).toMatchObject({ state: 'active', checkpoint: BigInt(total), eventsRelayed: total }),
      );
      expect(await storedCheckpoint()).toBe(String(total));
    });

    it('sends the appends that arrive while it lingers after a batch as one batch', async () => {
      const inner = producer();
      let sends = 0;
      const running = relay({
        lingerMs: 500,
        producer: { ...inner, send: (messages) => (sends++, inner.send(messages)) },
      });
      running.start();
      await appendInterleaved(test.eventStore, 1, 1);
      await eventually(() => expect(running.status().eventsRelayed).toBe(1));
      expect(sends).toBe(1); // the events, then the watermarks, in one send
      await appendInterleaved(test.eventStore, 5, 2, 'close');
      await eventually(() => expect(running.status().eventsRelayed).toBe(11));
      expect(sends).toBe(2);
    });

    it('saves each checkpoint after its own batch was acknowledged, in order, and sends nothing more until then', async () => {
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      const saved: bigint[] = [];
      const slowSaves = leaseSaving(async (held, position) => {
        await gate;
        await held.saveCheckpoint(position);
        saved.push(position);
      });
      const inner = producer();
      let sends = 0;
      const running = relay({
        lease: slowSaves,
        lingerMs: 10,
        producer: { ...inner, send: (messages) => (sends++, inner.send(messages)) },
      });
      running.start();
      await appendInterleaved(test.eventStore, 1, 1);
      await eventually(() => expect(sends).toBe(1));
      await appendInterleaved(test.eventStore, 1, 1, 'second');
      // The first checkpoint is held up: the second batch waits for it.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect([sends, saved, running.status().eventsRelayed]).toEqual([1, [], 0]);
      release();
      await eventually(() => expect(running.status()).toMatchObject({ checkpoint: 2n, eventsRelayed: 2 }));
      expect(saved).toEqual([1n, 2n]);
      expect(sends).toBe(2);
      expect(await storedCheckpoint()).toBe('2');
    });

    it('loses nothing when it dies after sending and before saving the checkpoint: the next relay re-sends from the checkpoint', async () => {
      const total = await appendInterleaved(test.eventStore, 5, 10);
      // The first relay "crashes" at its second checkpoint save: the batch is in Kafka, the checkpoint is not moved.
      // Were a third batch on its way then, it would die with it, before reaching Kafka.
      let saves = 0;
      let crash: () => void = () => {};
      const crashing = new Promise<void>((resolve) => (crash = resolve));
      const inner = producer();
      let sends = 0;
      const dyingProducer: EventProducer = {
        ...inner,
        async send(messages) {
          if (++sends <= 2) return inner.send(messages);
          await crashing;
          throw new Error('simulated crash before this batch reached Kafka');
        },
      };
      const crashingLease = leaseSaving(async (held, position) => {
        saves += 1;
        if (saves < 2) return held.saveCheckpoint(position);
        crash();
        void crashed.stop();
        throw new Error('simulated crash before the checkpoint save');
      });
      const crashed = relay({ lease: crashingLease, producer: dyingProducer });
      crashed.start();
      await eventually(() => expect(crashed.status().state).toBe('stopped'));
      expect(await storedCheckpoint()).toBe('16');
      expect(saves).toBe(2);

      const successor = relay();
      successor.start();
      // The successor's last watermarks follow its events in the same send: once they are in, all of its events are.
      const received = await reader.until(test.topic, (got) => expectWatermarks(got, PARTITIONS, BigInt(total)));
      await eventually(() => expect(successor.status().checkpoint).toBe(BigInt(total)));
      expectEveryEvent(received, total);
      expectPerStreamOrder(received);
      // Exactly the un-checkpointed second batch went out twice.
      expect(duplicatesIn(reader.received(test.topic))).toBe(16);
      expect(successor.status().eventsRelayed).toBe(total - 16);
    });

    it('warns, naming it, while a write transaction left open elsewhere holds $all back, and relays on once it ends', async () => {
      await appendInterleaved(test.eventStore, 1, 1);
      const { logger, lines } = captureLogs();
      const running = relay({ logger, heldBackCheckMs: 50 });
      running.start();
      await eventually(() => expect(running.status().checkpoint).toBe(1n));

      const open = new pg.Client({ connectionString: url, application_name: 'left-open' });
      await open.connect();
      cleanups.push(() => open.end());
      await open.query('begin');
      const [{ pid }] = (await open.query<{ pid: number }>('select pg_backend_pid() as pid, pg_current_xact_id()'))
        .rows as [{ pid: number }];
      await appendInterleaved(test.eventStore, 1, 1, 'held');
      // Other tests' transactions may be older for a moment; this one stays.
      await eventually(() =>
        expect(running.status().heldBack).toMatchObject({
          position: 2n,
          blocker: { kind: 'backend', id: String(pid), application: 'left-open', state: 'idle in transaction' },
        }),
      );
      const warnings = lines.filter(
        (line) => line.level === 'warn' && String(line.msg).startsWith('$all is held back'),
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ waitingAt: '2', checkpoint: '1' });
      expect(running.status().checkpoint).toBe(1n);

      await open.query('rollback');
      await eventually(() => expect(running.status()).toMatchObject({ checkpoint: 2n, eventsRelayed: 2 }));
      await eventually(() => expect(running.status().heldBack).toBeUndefined());
      expect(lines.some((line) => line.level === 'info' && String(line.msg).startsWith('$all moves again'))).toBe(true);
    });

    it('during a Kafka outage logs the failure, backs off with growing delays and never moves the checkpoint', async () => {
      await appendInterleaved(test.eventStore, 2, 5);
      const { logger, lines } = captureLogs();
      const unreachable = producer({
        brokers: [`127.0.0.1:${await closedPort()}`],
        logger,
        connectionTimeoutMs: 100,
        retry: { retries: 1, initialRetryTime: 20, maxRetryTime: 50 },
      });
      const running = relay({ producer: unreachable, logger });
      running.start();

      const failures = () => lines.filter((line) => line.msg === 'relay: failed, retrying from the last checkpoint');
      await eventually(() => expect(failures().length).toBeGreaterThanOrEqual(5), 15_000);
      // Each delay lies between half and all of its step (jitter), the steps doubling up to the cap.
      const delays = failures().map((line) => line.retryInMs as number);
      [50, 100, 200, 400, 400].forEach((step, attempt) => {
        expect(delays[attempt]).toBeGreaterThanOrEqual(step / 2);
        expect(delays[attempt]).toBeLessThanOrEqual(step);
      });
      expect(failures()[0]).toMatchObject({
        level: 'warn',
        errorName: 'KafkaUnavailable',
        retryable: true,
        error: expect.stringContaining('cannot connect to Kafka'),
      });
      expect(running.status()).toMatchObject({
        checkpoint: 0n,
        eventsRelayed: 0,
        lastError: expect.stringContaining('cannot connect to Kafka'),
      });
      expect(['retrying', 'standby', 'active']).toContain(running.status().state);
      expect(await storedCheckpoint()).toBeUndefined();
    });
  });
});
