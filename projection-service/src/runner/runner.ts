import {
  adminSchema,
  cacheKeys,
  checkpointKey,
  effectiveCheckpoint,
  sleep,
  untilAborted,
  type Cache,
  type EventFeed,
  type FeedBatch,
  type GlobalPosition,
  type Logger,
  type ProjectionName,
  type Sql,
} from '@order-engine/shared';
import type { CacheWrite, Projection } from '../projections/projection.js';
import { batchApplier, cachedRows, type BatchTarget } from './batch.js';
import { cacheWriter, type CacheWriterOptions } from './cache-writer.js';
import { readSourceRows } from './checkpoints.js';

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
  /** Delay before retrying after a failure: doubles from initialMs up to maxMs. */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * Told the effective checkpoint whenever it moves (read at start, or committed), e.g. by a query service in process;
   * after a batch, only once its cache writes are done, so a reader told of a position finds the cache there too.
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
  /** Ends the feed and waits for the batch in hand to commit. */
  stop(): Promise<void>;
  /**
   * The effective checkpoint (every event up to it applied) over the checkpoint rows this runner read or committed;
   * undefined until it has read them. On Kafka, partitions other workers own advance only in the database, so this
   * view may lag (never lead) projectionStatuses.
   */
  checkpoint(): GlobalPosition | undefined;
  /** True once the checkpoint has reached position; false after timeoutMs. */
  waitFor(position: GlobalPosition, timeoutMs?: number): Promise<boolean>;
}

export function createProjectionRunner(options: ProjectionRunnerOptions): ProjectionRunner {
  const { projection, sql, prefix, feed, cache } = options;
  const version = options.version ?? projection.version;
  const schema = projection.schema(prefix, version);
  const admin = adminSchema(prefix);
  const key = schema;
  const logger = options.logger.child({ projection: key });
  const backoff = options.backoff ?? { initialMs: 100, maxMs: 5_000 };
  const target: BatchTarget = { projection, sql, schema, admin, key, logger };
  const applyBatch = batchApplier(target);

  // Checkpoint rows by source (global or `#p<n>`), as last read or committed.
  const applied = new Map<string, GlobalPosition>();
  // By source: the events after this position (up to the checkpoint) were applied by a transaction whose cache writes
  // may have died with the process that committed it: from the row, unless this runner has cached further itself.
  const uncachedAfter = new Map<string, GlobalPosition>();
  let current: GlobalPosition | undefined;
  const waiters = new Set<{ position: GlobalPosition; done: (reached: boolean) => void }>();
  let running: { controller: AbortController; loop: Promise<void> } | undefined;

  function advance(source: string, position: GlobalPosition) {
    if (position > (applied.get(source) ?? -1n)) applied.set(source, position);
    current = effectiveCheckpoint(key, applied, options.feedPartitions);
    for (const waiter of waiters) if (waiter.position <= current) waiter.done(true);
  }

  let reported: GlobalPosition | undefined;
  function report() {
    if (current === undefined || current === reported) return;
    reported = current;
    options.onAdvance?.({ projection: projection.name, schema, position: current });
  }

  // Writes after the commit; failed ones are retried in the background (cache-writer.ts). One per run of the runner.
  const newCacheWriter = () =>
    cacheWriter({ cache, logger, versionPrefix: cacheKeys.ofVersion(schema), ...options.cacheRetry });
  let writer = newCacheWriter();
  const writeCache = (writes: readonly CacheWrite[]) => writer.write(writes);

  function cachedThrough(source: string, position: GlobalPosition) {
    if (position > (uncachedAfter.get(source) ?? -1n)) uncachedAfter.set(source, position);
  }

  // Batches their sources' checkpoints have passed: the rows of the events that may lack their cache writes are
  // cached again, as they are now.
  async function cacheAgain(batches: readonly FeedBatch[]) {
    const events = batches.flatMap(({ events, partition, through }) =>
      events.filter(({ position }) => position > (uncachedAfter.get(checkpointKey(key, partition)) ?? through)),
    );
    if (events.length > 0) await writeCache(await cachedRows(sql, target, events));
    for (const { partition, through } of batches) cachedThrough(checkpointKey(key, partition), through);
  }

  async function run(signal: AbortSignal) {
    let failures = 0;
    while (!signal.aborted) {
      try {
        // Each attempt starts from the committed checkpoint: whatever the last one did half-way is either in it or not.
        // (A Kafka feed resumes from its committed offsets instead, which never pass the rows' checkpoints.)
        for (const [source, row] of await readSourceRows(sql, admin, key)) {
          advance(source, row.position);
          cachedThrough(source, row.uncachedAfter);
        }
        advance(key, applied.get(key) ?? 0n);
        report();
        // The event store's feed starts before the last transaction, whose events then come again (Kafka resumes
        // from its committed offsets instead, which never pass the rows' checkpoints).
        const after = uncachedAfter.get(key) ?? applied.get(key) ?? 0n;
        logger.debug('subscribing', { after });
        const checkpointOf = async (partition: number) =>
          (await readSourceRows(sql, admin, key)).get(checkpointKey(key, partition))?.position ?? 0n;
        for await (const round of untilAborted(feed(after, signal, checkpointOf), signal)) {
          // A batch its source has passed already (a restart, a rebalance) changes no row: no transaction for it.
          // (Inside the transaction the rows' checkpoints skip anything applied in the meantime.) But the rows of
          // its events that the source's last transaction applied are cached again, as they are now.
          const work: FeedBatch[] = [];
          const passed: FeedBatch[] = [];
          for (const batch of round)
            (batch.through > (applied.get(checkpointKey(key, batch.partition)) ?? -1n) ? work : passed).push(batch);
          if (passed.length > 0) await cacheAgain(passed);
          if (work.length === 0) continue;
          const writes = await applyBatch(work);
          for (const batch of work) advance(checkpointKey(key, batch.partition), batch.through);
          failures = 0;
          await writeCache(writes);
          for (const batch of work) cachedThrough(checkpointKey(key, batch.partition), batch.through);
          report();
        }
        if (signal.aborted) return;
        failures += 1;
        logger.warn('event feed ended; subscribing again');
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        logger.error('projection failed; retrying from its checkpoint', {
          error: error instanceof Error ? error.message : String(error),
          failures,
        });
      }
      await sleep(Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures - 1, 20)), signal);
    }
  }

  return {
    projection,
    version,
    key,
    start() {
      if (running) return;
      const controller = new AbortController();
      writer = newCacheWriter();
      running = { controller, loop: run(controller.signal) };
    },
    async stop() {
      if (!running) return;
      const { controller, loop } = running;
      controller.abort();
      await loop;
      writer.stop();
      running = undefined;
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
  };
}
