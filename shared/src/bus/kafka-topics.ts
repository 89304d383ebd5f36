import { setTimeout as delay } from 'node:timers/promises';
import type { Admin, ITopicConfig } from 'kafkajs';

/**
 * Creates the topics and waits until each has all its partitions, every one with a leader; false at once when they
 * existed already. kafkajs's own `waitForLeaders` gives up when the broker does not know a topic it has just created
 * yet (UNKNOWN_TOPIC_OR_PARTITION, seen on a busy single-node KRaft broker): this asks again until timeoutMs.
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: ITopicConfig[],
  timeoutMs = 30_000,
): Promise<boolean> {
  const created = await admin.createTopics({ waitForLeaders: false, topics });
  if (!created) return false;
  const deadline = Date.now() + timeoutMs;
  const ready = async () => {
    const { topics: found } = await admin.fetchTopicMetadata({ topics: topics.map(({ topic }) => topic) });
    return topics.every(({ topic, numPartitions = 1 }) => {
      const partitions = found.find((entry) => entry.name === topic)?.partitions ?? [];
      return partitions.length >= numPartitions && partitions.every((partition) => partition.leader >= 0);
    });
  };
  // The broker's metadata catches up within moments; until then the lookup fails or comes back short.
  while (!(await ready().catch(() => false))) {
    if (Date.now() > deadline)
      throw new Error(
        `Kafka topics ${topics.map(({ topic }) => topic).join(', ')} have no leaders after ${timeoutMs} ms`,
      );
    await delay(100);
  }
  return true;
}
