import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger.js';
import { describeWithService } from '../testing/services.js';
import { createTestTopic, fastKafkaFeed, type TestTopic } from '../testing/kafka.js';
import { freshName } from '../testing/names.js';
import { deleteConsumerGroup } from './kafka-groups.js';
import { kafkaFeed } from './kafka-feed.js';

// Deleting a retired consumer's group against a real broker: a fresh topic and group per test.

describeWithService('KAFKA_BROKERS', 'Kafka consumer group removal', (brokers) => {
  let topic: TestTopic | undefined;
  afterEach(async () => {
    await topic?.close();
    topic = undefined;
  });

  it('refuses while the group has a member, then deletes it with its offsets; an unknown group is no error', async () => {
    const t = (topic = await createTestTopic(brokers, 1));
    const events = Array.from({ length: 4 }, (_, i) => ({
      eventId: randomUUID(),
      type: 'StockAdded',
      version: 1,
      streamId: 'product-a',
      revision: i,
      position: BigInt(i + 1),
      recordedAt: new Date('2026-03-01T10:00:00.000Z'),
      data: { quantity: 1 },
      metadata: {},
    }));
    await t.relay(events);
    const groupId = freshName('group');
    const controller = new AbortController();
    const feed = kafkaFeed({
      ...fastKafkaFeed,
      brokers: t.brokers,
      topic: t.topic,
      groupId,
      logger: silentLogger,
      batchSize: 2,
    });
    const rounds = feed(0n, controller.signal)[Symbol.asyncIterator]();
    await rounds.next();
    await rounds.next(); // acknowledges the first round: its offsets get committed
    await expect.poll(() => t.committed(groupId)).toEqual([2]);

    await expect(deleteConsumerGroup(t.brokers, groupId, silentLogger, t.security)).rejects.toThrow(/NON_EMPTY_GROUP/);
    controller.abort();
    await rounds.return?.();
    await deleteConsumerGroup(t.brokers, groupId, silentLogger, t.security);
    expect(await t.committed(groupId)).toEqual([-1]);
    await expect(deleteConsumerGroup(t.brokers, groupId, silentLogger, t.security)).resolves.toBeUndefined();
  });
});
