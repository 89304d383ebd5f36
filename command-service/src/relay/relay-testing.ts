import { createServer } from 'node:net';
import type { Kafka } from 'kafkajs';
import { expect } from 'vitest';
import {
  createLogger,
  createTopicsWithLeaders,
  parseMessage,
  type GlobalPosition,
  type IncomingMessage,
  type Logger,
  type RecordedEvent,
} from '@order-engine/shared';
import { freshName, testKafka } from '@order-engine/shared/testing';

// Helpers for the relay's integration tests: a plain kafkajs consumer that reads what the relay published, and the
// checks every relay test makes on it.

export interface Received {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  message: IncomingMessage;
}

export interface TopicReader {
  /** Everything received so far on topic, in offset order per partition. */
  received(topic: string): Received[];
  /** Waits until check(received) passes (it throws until then). */
  until(topic: string, check: (received: Received[]) => void, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A quiet client of the test broker, as its admin (a super user: any topic, any group). */
export const quietKafka = (brokers: string[]): Kafka =>
  testKafka(brokers, { clientId: freshName('relay_test'), connectionTimeout: 1_000 });

/**
 * Creates the topics (a group join takes seconds, so one consumer per test file reads the fresh topics of all its
 * tests) and consumes them from the beginning.
 */
export async function readTopics(
  brokers: string[],
  topics: readonly string[],
  partitions: number,
): Promise<TopicReader> {
  const created = [...topics];
  const kafka = quietKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(
    admin,
    created.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
  );
  const consumer = kafka.consumer({ groupId: freshName('relay_test'), maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: created, fromBeginning: true });
  const all = new Map<string, Received[]>(created.map((topic) => [topic, []]));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      all.get(topic)?.push({
        topic,
        partition,
        offset: Number(message.offset),
        key: message.key?.toString() ?? null,
        message: parseMessage(message.value, message.headers ?? {}),
      });
    },
  });
  const received = (topic: string) => [...(all.get(topic) ?? [])];
  return {
    received,
    until: (topic, check, timeoutMs = 15_000) => eventually(() => (check(received(topic)), received(topic)), timeoutMs),
    async close() {
      await consumer.disconnect();
      await admin.deleteTopics({ topics: created }).catch(() => {});
      await admin.disconnect();
    },
  };
}

/** Retries probe until it stops throwing, then returns its value; rethrows its last error after timeoutMs. */
export async function eventually<T>(probe: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

export const eventsOf = (received: Received[]): (Received & { message: { kind: 'event'; event: RecordedEvent } })[] =>
  received.filter(
    (entry): entry is Received & { message: { kind: 'event'; event: RecordedEvent } } => entry.message.kind === 'event',
  );

/** Events delivered more than once (at-least-once allows them; the tests count them). */
export const duplicatesIn = (received: Received[]): number => {
  const events = eventsOf(received);
  return events.length - new Set(events.map((entry) => entry.message.event.position)).size;
};

/** Every position 1..count arrived (the store's positions are gapless in a fresh schema with no failed appends). */
export function expectEveryEvent(received: Received[], count: number): void {
  const positions = new Set(eventsOf(received).map((entry) => entry.message.event.position));
  expect(positions.size).toBe(count);
  for (let position = 1n; position <= BigInt(count); position++)
    expect(positions.has(position), `position ${position}`).toBe(true);
}

/**
 * Per-stream order as a consumer that skips applied revisions sees it: key = stream id, one partition per stream,
 * and no revision ever arrives before its predecessor (re-sends after a restart may repeat older ones).
 */
export function expectPerStreamOrder(received: Received[]): void {
  const byStream = new Map<string, Received[]>();
  for (const entry of eventsOf(received)) {
    expect(entry.key).toBe(entry.message.event.streamId);
    byStream.set(entry.key as string, [...(byStream.get(entry.key as string) ?? []), entry]);
  }
  for (const [stream, entries] of byStream) {
    expect(new Set(entries.map((entry) => entry.partition)).size, `${stream} in one partition`).toBe(1);
    let next = 0;
    for (const entry of entries.sort((a, b) => a.offset - b.offset)) {
      const revision = (entry.message as { event: RecordedEvent }).event.revision;
      expect(revision, `${stream}: revision ${revision} arrived before ${next}`).toBeLessThanOrEqual(next);
      if (revision === next) next += 1;
    }
  }
}

/** Every partition got a watermark at `through`, and no watermark ever came before an event it covers. */
export function expectWatermarks(received: Received[], partitions: number, through: GlobalPosition): void {
  for (let partition = 0; partition < partitions; partition++) {
    const inPartition = received.filter((entry) => entry.partition === partition).sort((a, b) => a.offset - b.offset);
    const marks = inPartition.filter((entry) => entry.message.kind === 'watermark');
    expect(
      marks.map((entry) => (entry.message as { position: bigint }).position),
      `partition ${partition}`,
    ).toContain(through);
    for (const mark of marks) {
      const position = (mark.message as { position: bigint }).position;
      const late = eventsOf(inPartition).filter(
        (entry) => entry.message.event.position <= position && entry.offset > mark.offset,
      );
      // A late copy is fine when an earlier copy came before the watermark (a re-send); a first arrival is not.
      for (const entry of late) {
        expect(
          eventsOf(inPartition).some(
            (earlier) => earlier.offset < mark.offset && earlier.message.event.eventId === entry.message.event.eventId,
          ),
        ).toBe(true);
      }
    }
  }
}

/** Appends `rounds` events to each of `streams` streams, interleaved, so batches mix streams. Returns the count. */
export async function appendInterleaved(
  store: { append: (streamId: string, events: { type: string; version: number; data: unknown }[]) => Promise<unknown> },
  streams: number,
  rounds: number,
  tag = 's',
): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    for (let stream = 0; stream < streams; stream++)
      await store.append(`order-${tag}${stream}`, [{ type: 'TestEvent', version: 1, data: { round } }]);
  }
  return streams * rounds;
}

export interface CapturedLogs {
  logger: Logger;
  lines: Record<string, unknown>[];
}

export function captureLogs(): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    logger: createLogger('debug', {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
  };
}

/** A port nothing listens on (bound, then closed): a Kafka "outage" that leaves the shared broker alone. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
