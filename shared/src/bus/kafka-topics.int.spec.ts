import { expect, it } from 'vitest';
import { testKafka } from '../testing/kafka.js';
import { describeWithService } from '../testing/services.js';
import { freshName } from '../testing/names.js';
import { createTopicsWithLeaders } from './kafka-topics.js';

// Topic creation against a real broker: a fresh topic per test, deleted after.

describeWithService('KAFKA_BROKERS', 'Kafka topic creation', (brokers) => {
  it('creates a topic and returns once every partition has a leader; false for a topic that exists', async () => {
    const admin = testKafka(brokers).admin();
    const topic = freshName('topic');
    await admin.connect();
    try {
      expect(await createTopicsWithLeaders(admin, [{ topic, numPartitions: 3, replicationFactor: 1 }])).toBe(true);
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(metadata?.partitions.map((partition) => partition.leader >= 0)).toEqual([true, true, true]);
      expect(await createTopicsWithLeaders(admin, [{ topic, numPartitions: 3, replicationFactor: 1 }])).toBe(false);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
