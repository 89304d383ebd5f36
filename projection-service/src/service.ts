import { storeFeed, type Cache, type EventFeed, type EventStore, type GlobalPosition, type Logger, type Sql } from '@order-engine/shared';
import type { Express } from 'express';
import { projectionStatuses } from './admin/projection-status.js';
import { createProjectionApp } from './app.js';
import { liveProjections } from './projections/index.js';
import type { Projection } from './projections/projection.js';
import { migrateReadModels } from './read-models/migrate.js';
import { createProjectionRunner, type ProjectionRunner } from './runner/runner.js';

export interface ProjectionServiceOptions {
  eventStore: EventStore;
  /** The read-model database (PGlite or PostgreSQL); may be the event store's own database. */
  readDb: Sql;
  cache: Cache;
  /** Read-model schema prefix: '' in production, a fresh one per test. */
  prefix?: string;
  logger: Logger;
  /**
   * Each runner's feed, by its checkpoint key (the projection's schema): with Kafka, one consumer group per
   * projection. Undefined (or an undefined answer) means the event store's catch-up subscription.
   */
  feedFor?: (key: string) => EventFeed | undefined;
  /** The Kafka topic's partition count when the feeds are Kafka; undefined for the event store's global feed. */
  feedPartitions?: number;
  projections?: readonly Projection[];
  batchSize?: number;
  backoff?: { initialMs: number; maxMs: number };
}

export interface ProjectionService {
  app: Express;
  runners: readonly ProjectionRunner[];
  /** Migrates the read models, then starts every runner. */
  start(): Promise<void>;
  /** Stops every runner; the databases, store and cache belong to the caller. */
  stop(): Promise<void>;
  /** True once every projection has applied the event at position; false after timeoutMs. */
  waitFor(position: GlobalPosition, timeoutMs?: number): Promise<boolean>;
}

export function createProjectionService(options: ProjectionServiceOptions): ProjectionService {
  const { eventStore, readDb, cache, logger } = options;
  const prefix = options.prefix ?? '';
  const projections = options.projections ?? liveProjections;
  const { feedPartitions } = options;
  const embedded = storeFeed((subscription) => eventStore.subscribeToAll(subscription), options.batchSize);
  const runners = projections.map((projection) =>
    createProjectionRunner({
      projection,
      sql: readDb,
      prefix,
      feed: options.feedFor?.(projection.schema(prefix)) ?? embedded,
      feedPartitions,
      cache,
      logger,
      ...(options.backoff ? { backoff: options.backoff } : {}),
    }),
  );
  const app = createProjectionApp({ statuses: () => projectionStatuses({ sql: readDb, eventStore, prefix, projections, feedPartitions }), logger });

  return {
    app,
    runners,
    async start() {
      await migrateReadModels(readDb, prefix, projections);
      for (const runner of runners) runner.start();
      logger.info('projections started', { projections: runners.map((runner) => runner.key) });
    },
    async stop() {
      await Promise.all(runners.map((runner) => runner.stop()));
    },
    async waitFor(position, timeoutMs) {
      const reached = await Promise.all(runners.map((runner) => runner.waitFor(position, timeoutMs)));
      return reached.every(Boolean);
    },
  };
}
