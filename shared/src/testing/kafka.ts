import { setTimeout as delay } from 'node:timers/promises';
import { AssignerProtocol, logLevel, Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { kafkaClient, kafkaCredentials, type KafkaSaslMechanism, type KafkaSecurity } from '../bus/kafka-client.js';
import type { KafkaFeedOptions } from '../bus/kafka-feed.js';
import { eventMessage, watermarkMessage, type OutgoingMessage } from '../bus/event-message.js';
import { createTopicsWithLeaders } from '../bus/kafka-topics.js';
import type { EventStore, GlobalPosition } from '../event-store/event-store.js';
import { freshName } from './names.js';

// Kafka for integration suites: a fresh topic per test, a plain producer of the relay's wire format, and a stand-in
// for the relay (event store → topic, watermarks to every partition after each batch) where a test needs a live flow.

// Credentials: with KAFKA_SASL_MECHANISM set (scripts/kafka/kafka.sh exports it), the broker authenticates with SASL
// and authorizes with ACLs, and the suites connect as one of its principals:
//   admin        KAFKA_USERNAME / KAFKA_PASSWORD: a super user, for test topics, groups and offsets of any name;
//   relay        user `relay`, KAFKA_RELAY_PASSWORD: WRITE, CREATE, DESCRIBE on topics named order-engine*;
//   projections  user `projections`, KAFKA_PROJECTIONS_PASSWORD: READ, DESCRIBE on those topics, READ and DELETE on
//                consumer groups named order-engine*;
//   saga         user `saga`, KAFKA_SAGA_PASSWORD: READ, DESCRIBE on those topics, READ on those groups.
// Without KAFKA_SASL_MECHANISM everything connects as before: PLAINTEXT, no credentials.

export type KafkaPrincipal = 'admin' | 'relay' | 'projections' | 'saga';

/** Where the service principals' ACLs apply (scripts/kafka/kafka.sh): topics and groups whose names start so. */
export const KAFKA_ACL_PREFIX = 'order-engine';

/** The security settings of a principal of the test broker, from the env; none (PLAINTEXT) without SASL. */
export function testKafkaSecurity(
  principal: KafkaPrincipal = 'admin',
  env: Record<string, string | undefined> = process.env,
): KafkaSecurity {
  const ssl = env.KAFKA_SSL === 'true' || env.KAFKA_SSL === '1';
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase() as KafkaSaslMechanism | undefined;
  if (!mechanism) return { ssl };
  const { username, password, passwordVar } = principalCredentials(principal, env);
  if (!username || password === undefined)
    throw new Error(`KAFKA_SASL_MECHANISM is set but ${passwordVar} is not: scripts/kafka/kafka.sh start exports it`);
  return { sasl: kafkaCredentials(mechanism, username, password), ssl };
}

function principalCredentials(principal: KafkaPrincipal, env: Record<string, string | undefined>) {
  if (principal === 'admin')
    return { username: env.KAFKA_USERNAME, password: env.KAFKA_PASSWORD, passwordVar: 'KAFKA_PASSWORD' };
  const passwordVar = `KAFKA_${principal.toUpperCase()}_PASSWORD`;
  return { username: principal, password: env[passwordVar], passwordVar };
}

/**
 * The env of a service process that connects as the principal: KAFKA_USERNAME and KAFKA_PASSWORD (they override the
 * admin's, which a child process inherits); nothing without SASL.
 */
export function kafkaPrincipalEnv(
  principal: KafkaPrincipal,
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const { sasl } = testKafkaSecurity(principal, env);
  return sasl ? { KAFKA_USERNAME: sasl.username, KAFKA_PASSWORD: sasl.password } : {};
}

/**
 * The topic and group prefix of a deployment named after id, inside the names the service principals' ACLs cover:
 * order-engine.<id>.events and order-engine.<id>.<consumer>.
 */
export const kafkaNamespace = (id: string): { KAFKA_TOPIC: string; KAFKA_GROUP_PREFIX: string } => ({
  KAFKA_TOPIC: `${KAFKA_ACL_PREFIX}.${id}.events`,
  KAFKA_GROUP_PREFIX: `${KAFKA_ACL_PREFIX}.${id}`,
});

/** kcat's `-X` options that connect as the principal (none without SASL). */
export function kcatSecurityArgs(principal: KafkaPrincipal = 'admin'): string[] {
  const { sasl, ssl } = testKafkaSecurity(principal);
  if (!sasl) return ssl ? ['-X', 'security.protocol=SSL'] : [];
  return [
    ...['-X', `security.protocol=${ssl ? 'SASL_SSL' : 'SASL_PLAINTEXT'}`],
    ...['-X', `sasl.mechanisms=${sasl.mechanism.toUpperCase()}`],
    ...['-X', `sasl.username=${sasl.username}`],
    ...['-X', `sasl.password=${sasl.password}`],
  ];
}

/** A quiet kafkajs client of the test broker, as the principal (default: the admin). */
export const testKafka = (
  brokers: string | string[],
  options: { clientId?: string; principal?: KafkaPrincipal; connectionTimeout?: number } = {},
): Kafka =>
  kafkaClient(
    {
      clientId: options.clientId ?? 'test',
      brokers: typeof brokers === 'string' ? brokers.split(',') : brokers,
      logLevel: logLevel.NOTHING,
      ...(options.connectionTimeout !== undefined && { connectionTimeout: options.connectionTimeout }),
    },
    testKafkaSecurity(options.principal),
  );

/**
 * kafkaFeed settings that make group joins, rebalances and leaving take well under a second; with them, the feed
 * connects as the admin of the test broker (testKafkaSecurity).
 */
export const fastKafkaFeed: Partial<KafkaFeedOptions> = {
  // A getter, read when the settings are spread: importing this module never fails on the env.
  get security() {
    return testKafkaSecurity();
  },
  sessionTimeoutMs: 6_000, // the broker's group.min.session.timeout.ms
  rebalanceTimeoutMs: 3_000,
  heartbeatIntervalMs: 250,
  maxWaitTimeMs: 100,
  commitIntervalMs: 100,
  retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
};

export interface TestTopic {
  brokers: string[];
  /** The admin's credentials (none without SASL), for clients of the test's own. */
  security: KafkaSecurity;
  topic: string;
  partitions: number;
  /** Sends as the relay does: idempotent, acks = all, keyed messages partitioned by murmur2 of the key. */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  /** Sends the events, then a watermark at the last one's position to every partition. */
  relay(events: Parameters<typeof eventMessage>[0][]): Promise<void>;
  /** Committed offset per partition of a group (-1 where it committed nothing). */
  committed(groupId: string): Promise<number[]>;
  /** Members of a group that have partitions assigned, once the group is stable. */
  stableMembers(groupId: string): Promise<number>;
  /**
   * Once the group has no member left, moves its committed offsets to the end of every partition, as expired offsets
   * under auto.offset.reset=latest would (or an operator's reset); answers them.
   */
  resetToLatest(groupId: string): Promise<number[]>;
  /** Deletes every record the topic holds now, as retention would: the log of each partition starts after them. */
  deleteRecords(): Promise<void>;
  /** Deletes the topic, with every record and every group's offsets of it, and creates it again, empty. */
  recreate(): Promise<void>;
  close(): Promise<void>;
}

export async function createTestTopic(brokersCsv: string, partitions: number): Promise<TestTopic> {
  const brokers = brokersCsv.split(',');
  const kafka = testKafka(brokers);
  const topic = freshName('topic');
  const admin: Admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [{ topic, numPartitions: partitions, replicationFactor: 1 }]);
  const newProducer = async () => {
    const created = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await created.connect();
    return created;
  };
  let producer: Producer = await newProducer();
  const send = async (messages: readonly OutgoingMessage[]) => {
    await producer.send({ topic, acks: -1, messages: messages.map((message) => ({ ...message })) });
  };
  return {
    brokers,
    security: testKafkaSecurity(),
    topic,
    partitions,
    send,
    async relay(events) {
      const last = events.at(-1);
      if (!last) return;
      await send([
        ...events.map(eventMessage),
        ...Array.from({ length: partitions }, (_, p) => watermarkMessage(p, last.position)),
      ]);
    },
    async committed(groupId) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const byPartition = new Map((offsets?.partitions ?? []).map((entry) => [entry.partition, Number(entry.offset)]));
      return Array.from({ length: partitions }, (_, p) => byPartition.get(p) ?? -1);
    },
    async stableMembers(groupId) {
      const { groups } = await admin.describeGroups([groupId]);
      const group = groups[0];
      if (group?.state !== 'Stable') return 0;
      const assigned = (buffer: Buffer) =>
        (AssignerProtocol.MemberAssignment.decode(buffer)?.assignment[topic]?.length ?? 0) > 0;
      return group.members.filter((member) => assigned(member.memberAssignment)).length;
    },
    async resetToLatest(groupId) {
      const deadline = Date.now() + 20_000;
      while ((await admin.describeGroups([groupId])).groups[0]?.state !== 'Empty') {
        if (Date.now() > deadline) throw new Error(`consumer group ${groupId} still has members`);
        await delay(100);
      }
      const latest = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: latest.map(({ partition, high }) => ({ partition, offset: high })),
      });
      return latest.map(({ high }) => Number(high));
    },
    async deleteRecords() {
      // -1: up to the partition's high watermark.
      await admin.deleteTopicRecords({
        topic,
        partitions: Array.from({ length: partitions }, (_, partition) => ({ partition, offset: '-1' })),
      });
    },
    async recreate() {
      await admin.deleteTopics({ topics: [topic] });
      // The broker removes a deleted topic in the background: until then, creating it again answers "exists".
      const deadline = Date.now() + 30_000;
      while (
        !(await createTopicsWithLeaders(admin, [{ topic, numPartitions: partitions, replicationFactor: 1 }]).catch(
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error(`topic ${topic} could not be created again`);
        await delay(200);
      }
      // The old producer's sequence numbers belong to the deleted partitions.
      await producer.disconnect();
      producer = await newProducer();
    },
    async close() {
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** The relay's job in miniature: follows the store and relays each batch it reads. stop() ends it. */
export function pumpToKafka(
  store: EventStore,
  topic: TestTopic,
  after: GlobalPosition = 0n,
): { stop(): Promise<void> } {
  const controller = new AbortController();
  let failure: unknown;
  const pumping = (async () => {
    for await (const batch of store.subscribeToAll({ after, signal: controller.signal, batchSize: 50 }))
      await topic.relay(batch);
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) failure = error;
  });
  return {
    async stop() {
      controller.abort();
      await pumping;
      if (failure) throw failure;
    },
  };
}
