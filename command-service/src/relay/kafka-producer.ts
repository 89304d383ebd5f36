import { logLevel, Partitioners, type logCreator, type Producer, type RetryOptions } from 'kafkajs';
import {
  createTopicsWithLeaders,
  kafkaClient,
  type KafkaSecurity,
  type Logger,
  type OutgoingMessage,
} from '@order-engine/shared';

// The relay's port to Kafka, and its kafkajs adapter: an idempotent producer (acks = all, one request in flight per
// broker, so a retried request can neither duplicate nor overtake the one behind it) on a topic it makes sure exists.

export interface EventProducer {
  /** Connects a producer and makes sure the topic exists; a no-op while connected. send() calls it too. */
  connect(): Promise<void>;
  /** Resolves once the leaders and their in-sync replicas acknowledged every message (acks = all). */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  /** The topic's partition count as the broker reports it, known once connect() resolved: watermarks go to each. */
  partitions(): number;
  close(): Promise<void>;
}

/** Kafka could not be reached or refused the messages; `retryable` says whether trying again later may help. */
export class KafkaUnavailable extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaUnavailable';
  }
}

export interface KafkaProducerOptions {
  brokers: string[];
  /**
   * SASL credentials and TLS (none: PLAINTEXT). With an authorizer, the principal needs WRITE, CREATE and DESCRIBE on
   * the topic (and IDEMPOTENT_WRITE on the cluster before Kafka 3.0).
   */
  security?: KafkaSecurity;
  topic: string;
  /** Partitions to create the topic with; an existing topic keeps its own count. */
  partitions: number;
  replicationFactor: number;
  logger: Logger;
  clientId?: string;
  /** kafkajs client settings; tests make them small so an outage shows within a second. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retry?: RetryOptions;
  /**
   * Largest total of values per produce request (default 512 KiB): kafkajs puts all of one partition's messages of
   * a send in one record batch, and the broker refuses batches above message.max.bytes (1 MiB by default).
   */
  maxRequestBytes?: number;
}

export function kafkaProducer(options: KafkaProducerOptions): EventProducer {
  const { topic, logger, maxRequestBytes = 512 * 1024 } = options;
  const retry: RetryOptions = { initialRetryTime: 300, maxRetryTime: 5_000, retries: 5, ...options.retry };
  const kafka = kafkaClient(
    {
      clientId: options.clientId ?? 'order-engine-relay',
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    },
    options.security,
  );

  interface Session {
    producer: Producer;
    partitions: number;
  }
  let session: Promise<Session> | undefined;
  let partitionCount: number | undefined;
  let closed = false;

  async function open(): Promise<Session> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // The relay creates the topic with its partition count; a typo must not auto-create one with the broker's.
      allowAutoTopicCreation: false,
      // kafkajs 2's default (murmur2 on the key, as the Java client): one stream id always lands on one partition.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded, unlike kafkajs's default for idempotent producers (retry for ever): an outage must surface, so the
      // relay can report it and back off. A failed send never loses anything: the relay resends from its checkpoint.
      retry,
    });
    try {
      const partitions = await ensureTopic();
      await producer.connect();
      return { producer, partitions };
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw unavailable(`cannot connect to Kafka (${options.brokers.join(',')})`, error);
    }
  }

  async function ensureTopic(): Promise<number> {
    const admin = kafka.admin({ retry });
    await admin.connect();
    try {
      // createTopics is idempotent (false when the topic exists, also when another relay created it a moment ago),
      // but kafkajs logs the broker's TOPIC_ALREADY_EXISTS as an error: ask first, so restarts stay quiet.
      const exists = (await admin.listTopics()).includes(topic);
      const created =
        !exists &&
        (await createTopicsWithLeaders(admin, [
          { topic, numPartitions: options.partitions, replicationFactor: options.replicationFactor },
        ]));
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const count = metadata.topics.find((entry) => entry.name === topic)?.partitions.length ?? 0;
      if (count === 0) throw new KafkaUnavailable(`topic ${topic} has no partitions`, true);
      if (created) logger.info('created Kafka topic', { topic, partitions: count });
      else if (count !== options.partitions) {
        logger.warn('Kafka topic exists with another partition count; watermarks follow the broker', {
          topic,
          partitions: count,
          configured: options.partitions,
        });
      }
      return count;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  function connected(): Promise<Session> {
    if (closed) return Promise.reject(new KafkaUnavailable('the producer is closed', false));
    if (!session) {
      const opening = open();
      session = opening;
      opening.then(
        (ready) => (partitionCount = ready.partitions),
        () => {
          if (session === opening) session = undefined;
        },
      );
    }
    return session;
  }

  return {
    connect: async () => {
      await connected();
    },
    async send(messages) {
      if (messages.length === 0) return;
      const current = connected();
      const { producer } = await current;
      try {
        // One after the other (each acknowledged before the next), so chunking keeps every partition's order.
        for (const chunk of chunksOf(messages, maxRequestBytes)) {
          await producer.send({ topic, acks: -1, messages: chunk.map((message) => ({ ...message })) });
        }
      } catch (error) {
        // After a failed send the idempotent producer's sequence numbers are in doubt (the broker may have written
        // what kafkajs reports as failed), and a resend with reused numbers could be dropped as a "duplicate". A fresh
        // producer gets a new producer id: the relay's resend from its checkpoint then only makes visible duplicates.
        if (session === current) session = undefined;
        await producer.disconnect().catch(() => {});
        throw unavailable(`sending ${messages.length} messages to ${topic} failed`, error);
      }
    },
    partitions() {
      if (partitionCount === undefined) throw new KafkaUnavailable('partition count unknown: connect() first', false);
      return partitionCount;
    },
    async close() {
      closed = true;
      const current = session;
      session = undefined;
      await current?.then((ready) => ready.producer.disconnect()).catch(() => {});
    },
  };
}

/** Consecutive runs of messages whose values add up to at most maxBytes (a larger single message goes alone). */
export function chunksOf<T extends { value: string }>(messages: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.value);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function unavailable(message: string, error: unknown): KafkaUnavailable {
  if (error instanceof KafkaUnavailable) return error;
  // kafkajs marks its errors `retriable` (connection refusals and timeouts are), but wraps the last one in a
  // non-retriable "retries exceeded" once its own retries ran out: the cause says whether a later attempt may help.
  let cause = error as { name?: unknown; cause?: unknown; retriable?: unknown } | undefined;
  while (cause?.name === 'KafkaJSNumberOfRetriesExceeded' && cause.cause) cause = cause.cause as typeof cause;
  const retryable = cause?.retriable !== false;
  const reason = error instanceof Error ? error.message : String(error);
  return new KafkaUnavailable(`${message}: ${reason}`, retryable, { cause: error });
}

/** Routes kafkajs's own log lines (warn and error only, see logLevel above) into our structured logger. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const {
        message,
        timestamp: _timestamp,
        logger: _name,
        ...fields
      } = log as { message: string; timestamp?: string; logger?: string };
      // We limit retries on purpose (see `retry` above) and resend from the checkpoint: this warning is expected.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      const write = level === logLevel.ERROR ? logger.error : level === logLevel.WARN ? logger.warn : logger.debug;
      write(message, { namespace, ...fields });
    };
}
