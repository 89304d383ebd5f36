import {
  adminSchema,
  cacheKeys,
  processor,
  projector,
  type BackoffPolicy,
  type Cache,
  type EventFeed,
  type GlobalPosition,
  type Logger,
  type ProcessorStatus,
  type ProjectionName,
  type Sql,
} from '@order-engine/shared';
import type { CacheWrite, Projection } from '../projections/projection.js';
import { batchApplier, cachedRows, type BatchTarget } from './batch.js';
import { cacheWriter, type CacheWriterOptions } from './cache-writer.js';
import { readSourceRows } from './checkpoints.js';

// A projection version's runner is a processor with a projector handler: the loop, its checkpoints and re-caching
// after a crash live (and are tested) in shared/src/processor; here the projection's transaction and its cache.

export interface ProjectionRunnerOptions {
  projection: Projection;
  /** The schema version this runner writes: the live one (the registry's); the projection's first by default. */
  version?: number;
  /** The read-model database. */
  sql: Sql;
  /** Read-model schema prefix ('' in production, a fresh one per test). */
  prefix: string;
  /**
   * Where events come from: the event store's subscription (storeFeed) or Kafka (kafkaFeed). Unfiltered, so the
   * checkpoint follows the head even through events nobody reads.
   */
  feed: EventFeed;
  /** The Kafka topic's partition count when the feed is Kafka; undefined for the event store's global feed. */
  feedPartitions?: number;
  cache: Cache;
  logger: Logger;
  /** Delay before retrying after a failure (jittered, see shared's backoff.ts). */
  backoff?: BackoffPolicy;
  /**
   * Told the effective checkpoint whenever it moves (read at start, or committed), e.g. by a query service in process;
   * after a round, only once its cache writes are done, so a reader told of a position finds the cache there too.
   */
  onAdvance?: (advance: CheckpointAdvance) => void;
  /** How failed cache writes are retried (cache-writer.ts); for tests. */
  cacheRetry?: Pick<CacheWriterOptions, 'retryMs' | 'maxPending'>;
}

/** A projection version's effective checkpoint has moved to position: every event up to it is applied and committed. */
export interface CheckpointAdvance {
  projection: ProjectionName;
  /** The version's schema, which is also its checkpoint key. */
  schema: string;
  position: GlobalPosition;
}

export interface ProjectionRunner {
  readonly projection: Projection;
  readonly version: number;
  /** Checkpoint name and dead-letter key: the projection's schema, e.g. catalog_v1 (partition rows add `#p<n>`). */
  readonly key: string;
  start(): void;
  /** Ends the feed and waits for the round in hand to commit and write its cache entries. */
  stop(): Promise<void>;
  /**
   * The effective checkpoint (every event up to it applied, and cached) over the checkpoint rows this runner read or
   * committed; undefined until it has read them. On Kafka, partitions other workers own advance only in the
   * database, so this view may lag (never lead) projectionStatuses.
   */
  checkpoint(): GlobalPosition | undefined;
  /** True once the checkpoint has reached position; false after timeoutMs. */
  waitFor(position: GlobalPosition, timeoutMs?: number): Promise<boolean>;
  /** The processor's status: the seam for metrics. */
  status(): ProcessorStatus;
}

export function createProjectionRunner(options: ProjectionRunnerOptions): ProjectionRunner {
  const { projection, sql, prefix, feed, cache } = options;
  const version = options.version ?? projection.version;
  const schema = projection.schema(prefix, version);
  const admin = adminSchema(prefix);
  const key = schema;
  const logger = options.logger.child({ projection: key });
  const target: BatchTarget = { projection, sql, schema, admin, key, logger };

  let current: GlobalPosition | undefined;
  const waiters = new Set<{ position: GlobalPosition; done: (reached: boolean) => void }>();
  function advance(position: GlobalPosition) {
    current = position;
    for (const waiter of waiters) if (waiter.position <= position) waiter.done(true);
    options.onAdvance?.({ projection: projection.name, schema, position });
  }

  // Writes after the commit; failed ones are retried in the background (cache-writer.ts). One per run of the runner.
  const newCacheWriter = () =>
    cacheWriter({ cache, logger, versionPrefix: cacheKeys.ofVersion(schema), ...options.cacheRetry });
  let writer = newCacheWriter();

  const processing = processor({
    name: key,
    feed,
    feedPartitions: options.feedPartitions,
    logger,
    backoff: options.backoff,
    onAdvance: advance,
    ...projector<CacheWrite>({
      readRows: (name) => readSourceRows(sql, admin, name),
      apply: batchApplier(target),
      afterCommit: {
        rowsOf: (events) => cachedRows(sql, target, events),
        write: async (writes) => void (await writer.write(writes)),
      },
      traceWrites: { name: key, reads: ({ streamId }) => streamId.startsWith(projection.streamPrefix) },
    }),
  });

  return {
    projection,
    version,
    key,
    start() {
      if (processing.status().running) return;
      writer = newCacheWriter();
      processing.start();
    },
    async stop() {
      await processing.stop();
      writer.stop();
    },
    checkpoint: () => current,
    waitFor(position, timeoutMs = 10_000) {
      if (current !== undefined && current >= position) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const waiter = {
          position,
          done: (reached: boolean) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(reached);
          },
        };
        const timer = setTimeout(() => waiter.done(false), timeoutMs);
        waiters.add(waiter);
      });
    },
    status: () => processing.status(),
  };
}
