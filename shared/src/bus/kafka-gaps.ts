import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import type { EventStore, GlobalPosition } from '../event-store/event-store.js';
import type { Logger } from '../logging/logger.js';
import type { EventInterest, FeedBatch } from './event-feed.js';
import { MalformedMessage, parseMessage, partitionOfStream, peekEvent } from './event-message.js';

// Kafka can lose what a consumer has not read yet (retention or deleteRecords past its committed offset, a recreated
// topic, expired offsets, offsets reset to the latest), and kafkajs then carries on wherever the broker lets it. A
// partition holds its events in position order (the relay resends only from its own checkpoint), and every message
// below a committed offset is covered by the consumer's checkpoint. So where a partition's offsets do not continue
// from the last slice this feed passed, the first message past the consumer's checkpoint must follow it directly: any
// event of that partition that `$all` holds in between was lost, and is delivered from the event store first.

export type GapStore = Pick<EventStore, 'readAll'>;

export interface GapFillerOptions {
  store: GapStore;
  topic: string;
  groupId: string;
  logger: Logger;
  /** Largest page read from `$all`, and so largest batch of a fill. */
  batchSize: number;
  wants?: EventInterest;
  /** Where the consumer stands on a partition, as its checkpoint rows say now. */
  checkpointOf: (partition: number) => Promise<GlobalPosition>;
  /** A connected admin client: the topic's partition count, and the offsets a warning names. */
  admin: () => Promise<Admin>;
}

/** An admin client connected on first use (a gap check), then kept until close. */
export function lazyAdmin(kafka: Kafka): { open(): Promise<Admin>; close(): Promise<void> } {
  let connected: Promise<Admin> | undefined;
  return {
    open: () =>
      (connected ??= (async () => {
        const admin = kafka.admin();
        try {
          await admin.connect();
          return admin;
        } catch (error) {
          connected = undefined; // the next check tries again
          throw error;
        }
      })()),
    async close() {
      const admin = await connected?.catch(() => undefined);
      connected = undefined;
      await admin?.disconnect().catch(() => undefined);
    },
  };
}

/** The group's committed offset (-1: none) and the log's earliest and latest offsets of a partition, as text. */
async function offsetsOf(
  admin: Admin,
  groupId: string,
  topic: string,
  partition: number,
): Promise<Record<string, string>> {
  const [group] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const log = (await admin.fetchTopicOffsets(topic)).find((entry) => entry.partition === partition);
  const committed = group?.partitions.find((entry) => entry.partition === partition)?.offset ?? '-1';
  return { committedOffset: committed, earliestOffset: log?.low ?? '?', latestOffset: log?.high ?? '?' };
}

export interface GapFiller {
  /**
   * Batches from the event store of the events the partition lost before this slice (the first past the checkpoint
   * after a discontinuity); nothing while its offsets continue.
   */
  before(
    partition: number,
    slice: readonly KafkaMessage[],
    delivered: GlobalPosition,
    heartbeat: () => Promise<void>,
  ): AsyncGenerator<FeedBatch>;
  /** The consumer finished the slice: a next slice that starts right after it continues the partition. */
  passed(partition: number, slice: readonly KafkaMessage[]): void;
}

interface Reached {
  offset: string;
  kind: 'event' | 'watermark';
  position: GlobalPosition;
}

/** The first message of the slice past `checkpoint`, by the position it carries; malformed ones count as none. */
function firstPast(slice: readonly KafkaMessage[], checkpoint: GlobalPosition): Reached | undefined {
  for (const message of slice) {
    const headers = message.headers ?? {};
    let reached: Omit<Reached, 'offset'>;
    const peeked = peekEvent(message.key, headers);
    if (peeked) reached = { kind: 'event', position: peeked.position };
    else {
      try {
        const parsed = parseMessage(message.value, headers);
        reached = parsed.kind === 'event' ? { kind: 'event', position: parsed.event.position } : parsed;
      } catch (error) {
        if (error instanceof MalformedMessage) continue;
        throw error;
      }
    }
    if (reached.position > checkpoint) return { offset: message.offset, ...reached };
  }
  return undefined;
}

export function gapFiller(options: GapFillerOptions): GapFiller {
  const { store, topic, groupId, logger, batchSize, wants } = options;
  // Per partition: the offset after the last slice passed, and the checkpoint a discontinuity is still to be checked
  // at.
  const next = new Map<number, bigint>();
  const unchecked = new Map<number, GlobalPosition>();
  // Asked once per subscription: a topic keeps the partition count it was created with.
  let partitionCount: Promise<number> | undefined;
  const partitionsOf = (admin: Admin) =>
    (partitionCount ??= admin.fetchTopicMetadata({ topics: [topic] }).then(({ topics }) => {
      const count = topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new Error(`Kafka reports no partitions of ${topic}: cannot check it for gaps`);
      return count;
    })).catch((error: unknown) => {
      partitionCount = undefined; // the next check asks again
      throw error;
    });

  /** The partition's events in (checkpoint, to] from `$all`, once one shows that Kafka lost them. */
  async function* fill(
    partition: number,
    checkpoint: GlobalPosition,
    to: GlobalPosition,
    reached: Reached,
    expected: bigint | undefined,
    heartbeat: () => Promise<void>,
  ): AsyncGenerator<FeedBatch> {
    const admin = await options.admin();
    const partitions = await partitionsOf(admin);
    let after = checkpoint;
    let missing = 0;
    while (after < to) {
      const page = await store.readAll({ after, to, limit: batchSize });
      if (page.length === 0) break;
      // Pages without an event of this partition hand nothing over: the group must still hear from this member.
      await heartbeat();
      after = page.at(-1)!.position;
      const lost = page.filter((event) => partitionOfStream(event.streamId, partitions) === partition);
      if (missing === 0 && lost.length > 0) {
        logger.warn('Kafka partition lost events the consumer has not handled: reading them from the event store', {
          topic,
          partition,
          offset: reached.offset,
          expectedOffset: expected?.toString(),
          ...(await offsetsOf(admin, groupId, topic, partition).catch(() => ({}))),
          checkpoint,
          position: reached.position,
          firstMissing: lost[0]!.position,
        });
      }
      missing += lost.length;
      // Until the first lost event there is no gap, and nothing to deliver.
      if (missing > 0)
        yield {
          events: wants ? lost.filter((event) => wants(event.streamId, event.type)) : lost,
          partition,
          through: after,
        };
      if (page.length < batchSize) break;
    }
    if (missing > 0)
      logger.info('caught up from the event store: back on Kafka', {
        topic,
        partition,
        events: missing,
        through: after,
        offset: reached.offset,
      });
  }

  return {
    async *before(partition, slice, delivered, heartbeat) {
      const first = slice[0];
      if (!first) return;
      const expected = next.get(partition);
      if (expected !== BigInt(first.offset)) {
        const stored = await options.checkpointOf(partition);
        const checkpoint = [delivered, stored, unchecked.get(partition) ?? 0n].reduce((a, b) => (b > a ? b : a));
        unchecked.set(partition, checkpoint);
      }
      const checkpoint = unchecked.get(partition);
      if (checkpoint === undefined) return;
      const reached = firstPast(slice, checkpoint);
      // Redeliveries the checkpoint covers: the check waits for the first message past it.
      if (!reached) return;
      unchecked.delete(partition);
      // A watermark says its partition holds every event up to it; an event, every one before it.
      const to = reached.kind === 'watermark' ? reached.position : reached.position - 1n;
      if (to > checkpoint) yield* fill(partition, checkpoint, to, reached, expected, heartbeat);
    },
    passed(partition, slice) {
      const last = slice.at(-1);
      if (last) next.set(partition, BigInt(last.offset) + 1n);
    },
  };
}
