import { afterEach, expect, it } from 'vitest';
import { kafkaFeed } from '../bus/kafka-feed.js';
import { silentLogger } from '../logging/logger.js';
import { createTestTopic, fastKafkaFeed, type TestTopic } from '../testing/kafka.js';
import { freshName } from '../testing/names.js';
import { describeWithService } from '../testing/services.js';
import { feedMembership } from './feed-membership.js';

// GET /ready's Kafka check against a real broker: a consumer counts once it has joined its group, and no longer once
// its feed has ended.

async function eventually(probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithService('KAFKA_BROKERS', 'Kafka feed membership', (brokers) => {
  let topic: TestTopic | undefined;
  afterEach(async () => {
    await topic?.close();
  });

  it('fails the check until the feed has joined its group, passes while it is a member, and fails again once it ended', async () => {
    topic = await createTestTopic(brokers, 2);
    const membership = feedMembership();
    const check = membership.check(() => ['saga']);
    const passes = () => {
      try {
        check();
        return true;
      } catch {
        return false;
      }
    };
    const feed = kafkaFeed({
      ...fastKafkaFeed,
      brokers: topic.brokers,
      topic: topic.topic,
      groupId: freshName('group'),
      logger: silentLogger,
      onMembership: membership.reporter('saga'),
    });
    expect(check).toThrow(/not a member of its consumer group: saga/);

    const controller = new AbortController();
    const iterator = feed(0n, controller.signal)[Symbol.asyncIterator]();
    const reading = iterator.next();
    await eventually(passes);

    controller.abort();
    await reading;
    expect(passes()).toBe(false);
  });
});
