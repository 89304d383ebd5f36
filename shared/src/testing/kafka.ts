import { setTimeout as delay } from 'node:timers/promises';
import { AssignerProtocol, Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { KafkaFeedOptions } from '../bus/kafka-feed.js';
import { eventMessage, watermarkMessage, type OutgoingMessage } from '../bus/event-message.js';
import { createTopicsWithLeaders } from '../bus/kafka-topics.js';
import type { EventStore, GlobalPosition } from '../event-store/event-store.js';
import { freshName } from './names.js';

// Kafka for integration suites: a fresh topic per test, a plain producer of the relay's wire format, and a stand-in
// for the relay (event store → topic, watermarks to every partition after each batch) where a test needs a live flow.

/** kafkaFeed settings that make group joins, rebalances and leaving take well under a second. */
export const fastKafkaFeed: Partial<KafkaFeedOptions> = {
  sessionTimeoutMs: 6_000, // the broker's group.min.session.timeout.ms
  rebalanceTimeoutMs: 3_000,
  heartbeatIntervalMs: 250,
  maxWaitTimeMs: 100,
  commitIntervalMs: 100,
  retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
};

export interface TestTopic {
  brokers: string[];
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
  const kafka = new Kafka({ clientId: 'test', brokers, logLevel: logLevel.NOTHING });
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
