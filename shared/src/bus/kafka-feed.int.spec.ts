import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { RecordedEvent } from '../event-store/event-store.js';
import { createLogger, silentLogger } from '../logging/logger.js';
import { describeWithService } from '../testing/services.js';
import { createTestTopic, fastKafkaFeed, type TestTopic } from '../testing/kafka.js';
import { freshName } from '../testing/names.js';
import type { FeedBatch, FeedRound } from './event-feed.js';
import { eventMessage, watermarkMessage } from './event-message.js';
import { kafkaFeed } from './kafka-feed.js';

// The Kafka feed against a real broker: a fresh topic and consumer group per test. LOG_LEVEL=debug shows kafkajs.

const logger = process.env.LOG_LEVEL === 'debug' ? createLogger('debug') : silentLogger;

const recorded = (streamId: string, revision: number, position: number): RecordedEvent => ({
  eventId: randomUUID(),
  type: 'StockAdded',
  version: 1,
  streamId,
  revision,
  position: BigInt(position),
  recordedAt: new Date('2026-03-01T10:00:00.000Z'),
  data: { revision },
  metadata: {},
});

/** Events 1..count spread over `streams` streams, each stream's revisions in position order. */
function history(count: number, streams: number, from = 1): RecordedEvent[] {
  const revisions = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const streamId = `product-s${(from + i) % streams}`;
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    return recorded(streamId, revision, from + i);
  });
}

describeWithService('KAFKA_BROKERS', 'Kafka event feed', (brokers) => {
  const topics: TestTopic[] = [];
  const readers: { controller: AbortController; iterator: AsyncIterator<FeedRound> }[] = [];

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.controller.abort();
    await Promise.all(readers.map((reader) => reader.iterator.return?.()));
    await Promise.all(topics.splice(0).map((topic) => topic.close()));
  });

  async function topicOf(partitions: number) {
    const topic = await createTestTopic(brokers, partitions);
    topics.push(topic);
    return topic;
  }

  /** A feed's rounds, pulled one at a time: pulling the next one acknowledges the one before; `delivered` has their batches. */
  function reader(topic: TestTopic, groupId: string, batchSize?: number) {
    const controller = new AbortController();
    const feed = kafkaFeed({
      ...fastKafkaFeed,
      brokers: topic.brokers,
      topic: topic.topic,
      groupId,
      logger,
      batchSize,
    });
    const iterator = feed(0n, controller.signal)[Symbol.asyncIterator]();
    const entry = { controller, iterator };
    readers.push(entry);
    const delivered: FeedBatch[] = [];
    return {
      delivered,
      async next(timeoutMs = 20_000): Promise<FeedRound> {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Error('no batch in time')), timeoutMs)),
        );
        const result = await Promise.race([iterator.next(), timeout]).finally(() => clearTimeout(timer));
        if (result.done) throw new Error('the feed ended');
        delivered.push(...result.value);
        return result.value;
      },
      async until(done: (batches: FeedBatch[]) => boolean): Promise<FeedBatch[]> {
        while (!done(delivered)) await this.next();
        return delivered;
      },
      /** Stops without pulling past the batch in hand, as a crashed worker would. */
      async kill() {
        controller.abort();
        await iterator.return?.();
      },
    };
  }

  const throughByPartition = (batches: FeedBatch[]) => {
    const through = new Map<number, bigint>();
    for (const batch of batches) through.set(batch.partition!, batch.through);
    return through;
  };

  it('delivers every event in per-stream order, skips malformed messages, and advances `through` on watermarks', async () => {
    const topic = await topicOf(3);
    const first = history(30, 5);
    await topic.send(first.slice(0, 10).map(eventMessage));
    await topic.send([
      { key: 'product-s1', value: 'not json', headers: { kind: 'event' } },
      { key: null, partition: 2, value: '{"position":"x"}', headers: { kind: 'watermark' } },
    ]);
    await topic.relay(first.slice(10));
    const feed = reader(topic, freshName('group'));
    // One fetch brings every partition: they come as one round, one batch each.
    expect(new Set((await feed.next()).map((batch) => batch.partition))).toEqual(new Set([0, 1, 2]));
    const all = (batches: FeedBatch[]) =>
      [...throughByPartition(batches).values()].filter((through) => through === 30n).length === 3;
    await feed.until(all);

    // Idle partitions move on watermarks alone: batches without events.
    await topic.send([0, 1, 2].map((p) => watermarkMessage(p, 45n)));
    await feed.until(
      (batches) =>
        [...throughByPartition(batches).values()].every((through) => through === 45n) &&
        throughByPartition(batches).size === 3,
    );

    const events = feed.delivered.flatMap((batch) => batch.events);
    expect(events.map((event) => event.eventId).sort()).toEqual(first.map((event) => event.eventId).sort());
    for (const stream of new Set(first.map((event) => event.streamId))) {
      expect(events.filter((event) => event.streamId === stream).map((event) => event.revision)).toEqual(
        first.filter((event) => event.streamId === stream).map((event) => event.revision),
      );
    }
    expect(events[0]).toEqual(first.find((event) => event.eventId === events[0]!.eventId));
    for (const batch of feed.delivered) {
      expect(batch.events.every((event) => event.position <= batch.through)).toBe(true);
    }
    expect(feed.delivered.filter((batch) => batch.events.length === 0 && batch.through === 45n)).toHaveLength(3);
  });

  it('commits a batch only once the next one is pulled: a worker killed mid-batch leaves it to the next one', async () => {
    const topic = await topicOf(1);
    const events = history(6, 1);
    await topic.relay(events);
    const groupId = freshName('group');
    const first = reader(topic, groupId, 2);
    expect(await first.next()).toEqual([{ events: events.slice(0, 2), partition: 0, through: 2n }]);
    expect(await first.next()).toEqual([{ events: events.slice(2, 4), partition: 0, through: 4n }]);
    // Pulling the second batch acknowledged the first (offsets 0 and 1): committed offset 2, not 4.
    await expect.poll(() => topic.committed(groupId)).toEqual([2]);
    await first.kill();
    expect(await topic.committed(groupId)).toEqual([2]);

    const second = reader(topic, groupId, 2);
    expect(await second.next()).toEqual([{ events: events.slice(2, 4), partition: 0, through: 4n }]);
    expect(await second.next()).toEqual([{ events: events.slice(4, 6), partition: 0, through: 6n }]);
    expect(await second.next()).toEqual([{ events: [], partition: 0, through: 6n }]);
    await expect.poll(() => topic.committed(groupId)).toEqual([6]);
  });

  it('does not commit a batch in hand when a rebalance takes its partition: it is delivered again', async () => {
    const topic = await topicOf(2);
    const events = history(8, 2);
    await topic.send(events.map((event) => ({ ...eventMessage(event), partition: Number(event.position % 2n) })));
    const groupId = freshName('group');
    const first = reader(topic, groupId, 2);
    const [held] = await first.next();

    // A second member joins while the first works on `held`: the first one's heartbeat learns of the rebalance, so
    // it gives the batch up and rejoins; the group is stable only after that.
    const second = reader(topic, groupId, 2);
    let done = false;
    const pullOn = async (member: typeof first) => {
      while (!done) await member.next();
    };
    const secondReading = pullOn(second).catch(() => undefined);
    await expect.poll(() => topic.stableMembers(groupId), { timeout: 20_000 }).toBe(2);
    // Only now does the first member finish its transaction and pull on: that must not commit `held`.
    const firstReading = pullOn(first).catch(() => undefined);

    const deliveries = () =>
      [...first.delivered, ...second.delivered].flatMap((batch) => batch.events.map((event) => event.eventId));
    const heldAgain = () => deliveries().filter((id) => id === held!.events[0]!.eventId).length >= 2;
    await expect
      .poll(() => heldAgain() && new Set(deliveries()).size === events.length, { timeout: 20_000 })
      .toBe(true);
    done = true;
    for (const member of [first, second]) member.kill().catch(() => undefined);
    await Promise.all([firstReading, secondReading]);
  });
});
