import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RecordedEvent } from '../event-store/event-store.js';
import { silentLogger } from '../logging/logger.js';
import { fastKafkaFeed, kafkaNamespace, testKafka, testKafkaSecurity, type KafkaPrincipal } from '../testing/kafka.js';
import { freshName } from '../testing/names.js';
import { describeWithService } from '../testing/services.js';
import { kafkaClient, kafkaCredentials } from './kafka-client.js';
import { eventMessage } from './event-message.js';
import { kafkaFeed } from './kafka-feed.js';
import { deleteConsumerGroup } from './kafka-groups.js';
import { createTopicsWithLeaders } from './kafka-topics.js';

// The broker scripts/kafka/kafka.sh starts authenticates every client (SASL/SCRAM) and authorizes with ACLs: only the
// relay's principal may write the events topic; the projection workers and the saga may only read it, in their
// consumer groups. Runs where KAFKA_SASL_MECHANISM says the broker is that one (the script exports it).

type KafkaError = Error & { type?: string; cause?: unknown; originalError?: unknown };

/** The broker's error code somewhere in a kafkajs error's chain (it wraps them in retry and non-retriable errors). */
function brokerErrorOf(error: unknown): string | undefined {
  for (let current = error as KafkaError | undefined, depth = 0; current && depth < 10; depth++) {
    if (current.type) return current.type;
    current = (current.cause ?? current.originalError) as KafkaError | undefined;
  }
  return undefined;
}

async function rejection(attempt: Promise<unknown>): Promise<KafkaError> {
  try {
    await attempt;
  } catch (error) {
    return error as KafkaError;
  }
  throw new Error('expected the broker to refuse');
}

const event = (position: number): RecordedEvent => ({
  eventId: randomUUID(),
  type: 'StockAdded',
  version: 1,
  streamId: `product-${position % 3}`,
  revision: 0,
  position: BigInt(position),
  recordedAt: new Date('2026-03-01T10:00:00.000Z'),
  data: { quantity: 1 },
  metadata: {},
});

describeWithService('KAFKA_BROKERS', 'Kafka credentials and ACLs', (brokers) => {
  describeWithService('KAFKA_SASL_MECHANISM', 'of the broker of scripts/kafka/kafka.sh', () => {
    // Under the names the service principals' ACLs cover, as a deployment's defaults are.
    const { KAFKA_TOPIC: topic, KAFKA_GROUP_PREFIX: groupPrefix } = kafkaNamespace(freshName('acl'));
    const as = (principal: KafkaPrincipal): Kafka =>
      testKafka(brokers, { clientId: `acl-test-${principal}`, principal, connectionTimeout: 2_000 });
    const admin = testKafka(brokers).admin();

    beforeAll(async () => {
      await admin.connect();
    });
    afterAll(async () => {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    });

    it("lets the relay's principal create the events topic and write it (idempotent, acks = all)", async () => {
      const relay = as('relay');
      const relayAdmin = relay.admin();
      await relayAdmin.connect();
      try {
        expect(await createTopicsWithLeaders(relayAdmin, [{ topic, numPartitions: 3, replicationFactor: 1 }])).toBe(
          true,
        );
      } finally {
        await relayAdmin.disconnect();
      }
      const producer = relay.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: [1, 2, 3].map((p) => eventMessage(event(p))) });
      } finally {
        await producer.disconnect();
      }
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((sum, { high }) => sum + Number(high), 0)).toBe(3);
    });

    it.each(['projections', 'saga'] as const)(
      "refuses the %s principal's writes to the events topic: TOPIC_AUTHORIZATION_FAILED",
      async (principal) => {
        // Not idempotent: an idempotent producer would be refused one step earlier (no IDEMPOTENT_WRITE on the cluster).
        const producer = as(principal).producer({
          createPartitioner: Partitioners.DefaultPartitioner,
          retry: { retries: 0 },
        });
        await producer.connect();
        try {
          const error = await rejection(producer.send({ topic, acks: -1, messages: [eventMessage(event(99))] }));
          expect(brokerErrorOf(error), String(error)).toBe('TOPIC_AUTHORIZATION_FAILED');
        } finally {
          await producer.disconnect();
        }
        const offsets = await admin.fetchTopicOffsets(topic);
        expect(offsets.reduce((sum, { high }) => sum + Number(high), 0)).toBe(3);
      },
    );

    it("lets the projections' principal read the topic in its group and delete that group; not the saga", async () => {
      const groupId = `${groupPrefix}.projection.acl`;
      const controller = new AbortController();
      const feed = kafkaFeed({
        ...fastKafkaFeed,
        security: testKafkaSecurity('projections'),
        brokers: brokers.split(','),
        topic,
        groupId,
        logger: silentLogger,
      });
      const rounds = feed(0n, controller.signal)[Symbol.asyncIterator]();
      const seen = new Set<bigint>();
      while (seen.size < 3) {
        const round = await rounds.next();
        for (const batch of round.value ?? []) for (const recorded of batch.events) seen.add(recorded.position);
      }
      expect([...seen].sort()).toEqual([1n, 2n, 3n]);
      controller.abort();
      await rounds.return?.();

      const refused = await rejection(
        deleteConsumerGroup(brokers.split(','), groupId, silentLogger, testKafkaSecurity('saga')),
      );
      expect(refused.message).toMatch(/GROUP_AUTHORIZATION_FAILED/);
      await deleteConsumerGroup(brokers.split(','), groupId, silentLogger, testKafkaSecurity('projections'));
    });

    it('refuses a wrong password, and does not show it in the error', async () => {
      const { sasl } = testKafkaSecurity('relay');
      const wrong = `not-${randomUUID()}`;
      const client = kafkaClient(
        {
          clientId: 'acl-test-wrong',
          brokers: brokers.split(','),
          connectionTimeout: 2_000,
          retry: { retries: 0 },
          logLevel: 0,
        },
        { sasl: kafkaCredentials(sasl!.mechanism, sasl!.username, wrong) },
      );
      const producer = client.producer();
      const error = await rejection(producer.connect());
      await producer.disconnect().catch(() => undefined);
      expect(error.name).toBe('KafkaJSSASLAuthenticationError');
      expect(error.message).toMatch(/authentication failed/i);
      expect(`${error.message} ${error.stack}`).not.toContain(wrong);
    });

    it('keeps the password out of JSON and util.inspect of the credentials', async () => {
      const { inspect } = await import('node:util');
      const { sasl } = testKafkaSecurity('relay');
      expect(JSON.stringify(sasl)).not.toContain(sasl!.password);
      expect(inspect(sasl)).not.toContain(sasl!.password);
      expect(JSON.stringify({ ...sasl })).not.toContain(sasl!.password);
    });
  });
});
