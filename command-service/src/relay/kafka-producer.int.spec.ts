import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger, watermarkMessage } from '@order-engine/shared';
import { describeWithService, freshName, testKafkaSecurity } from '@order-engine/shared/testing';
import { kafkaProducer, KafkaUnavailable, type EventProducer } from './kafka-producer.js';
import { captureLogs, closedPort, quietKafka } from './relay-testing.js';

describeWithService('KAFKA_BROKERS', 'Kafka producer adapter', (brokersVar) => {
  const brokers = brokersVar.split(',');
  const topics: string[] = [];
  const producers: EventProducer[] = [];
  const admin = quietKafka(brokers).admin();

  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(producers.map((producer) => producer.close()));
    await admin.deleteTopics({ topics }).catch(() => {});
    await admin.disconnect();
  });

  const producerOn = (
    topic: string,
    partitions: number,
    overrides: Partial<Parameters<typeof kafkaProducer>[0]> = {},
  ) => {
    const producer = kafkaProducer({
      brokers,
      topic,
      partitions,
      replicationFactor: 1,
      logger: silentLogger,
      security: testKafkaSecurity(),
      ...overrides,
    });
    producers.push(producer);
    return producer;
  };

  it('creates the topic with the configured partitions and reads the count back, also for an existing topic', async () => {
    const topic = freshName('relay_producer');
    topics.push(topic);
    const creator = producerOn(topic, 3);
    await creator.connect();
    expect(creator.partitions()).toBe(3);
    await creator.send([watermarkMessage(2, 5n)]);

    // A topic created earlier with another count keeps it: watermarks must reach each of its real partitions.
    const { logger, lines } = captureLogs();
    const later = producerOn(topic, 8, { logger });
    await later.connect();
    expect(later.partitions()).toBe(3);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', partitions: 3, configured: 8 }));
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.find((entry) => entry.partition === 2)?.high).toBe('1');
  });

  it('reports an unreachable broker as a retryable KafkaUnavailable, with kafkajs logs in our logger', async () => {
    const { logger, lines } = captureLogs();
    const producer = producerOn(freshName('relay_producer'), 3, {
      brokers: [`127.0.0.1:${await closedPort()}`],
      logger,
      connectionTimeoutMs: 200,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
    });
    const started = Date.now();
    const error = await producer.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KafkaUnavailable);
    expect(error).toMatchObject({ retryable: true, message: expect.stringContaining('cannot connect to Kafka') });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(lines.some((line) => line.component === 'kafkajs' && line.level === 'error')).toBe(true);
    expect(() => producer.partitions()).toThrow(KafkaUnavailable);
  });
});
