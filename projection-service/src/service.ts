import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import {
  adminSchema,
  databaseReady,
  eventStoreReady,
  readLiveVersions,
  storeFeed,
  supervisor,
  migrateAuditLog,
  sqlAuditLog,
  registerProcessorMetrics,
  serviceMetrics,
  type AccessOptions,
  type AuditLog,
  type Cache,
  type EngineConfig,
  type EventFeed,
  type EventInterest,
  type EventStore,
  type GlobalPosition,
  type Logger,
  type ReadinessChecks,
  type ServiceMetrics,
  type Sql,
} from '@order-engine/shared';
import type { Express } from 'express';
import { deadLetters } from './admin/dead-letters.js';
import { projectionStatuses } from './admin/projection-status.js';
import { registerProjectionMetrics } from './admin/projection-metrics.js';
import { createProjectionApp } from './app.js';
import type { ConsoleOptions } from './console/console-routes.js';
import { liveRunners } from './live/live-runners.js';
import { liveProjections } from './projections/index.js';
import type { Projection } from './projections/projection.js';
import { migrateReadModels } from './read-models/migrate.js';
import { jobTable } from './rebuild/jobs.js';
import { createRebuilds, type Rebuilds } from './rebuild/rebuilds.js';
import { dropRetiredSchemas } from './registry/janitor.js';
import { createProjectionRunner, type CheckpointAdvance, type ProjectionRunner } from './runner/runner.js';

/** How rebuilds run; every figure has a default fit for production. */
export interface RebuildSettings {
  /** Events per replay page: one read, one transaction, one multi-row write per table. */
  pageSize: number;
  /** A running job whose heartbeat is older than this belongs to a dead process and is resumed by another. */
  staleAfterMs: number;
  heartbeatMs: number;
  /** How long a version switched away from is kept for readers still on it, before it is dropped. */
  retireAfterMs: number;
  /** How often the service follows the registry, drops retired versions and looks for stale jobs. */
  superviseEveryMs: number;
}

export const defaultRebuildSettings: RebuildSettings = {
  pageSize: 10_000,
  staleAfterMs: 15_000,
  heartbeatMs: 2_000,
  retireAfterMs: 5_000,
  superviseEveryMs: 500,
};

/** The rebuild settings a configuration names (REBUILD_PAGE_SIZE, REBUILD_STALE_AFTER_MS, REBUILD_RETIRE_AFTER_MS). */
export const rebuildSettings = (
  config: Pick<EngineConfig, 'REBUILD_PAGE_SIZE' | 'REBUILD_STALE_AFTER_MS' | 'REBUILD_RETIRE_AFTER_MS'>,
): Partial<RebuildSettings> => ({
  pageSize: config.REBUILD_PAGE_SIZE,
  staleAfterMs: config.REBUILD_STALE_AFTER_MS,
  // A beat well inside the stale limit: a slow query or two must not make a live job look dead.
  heartbeatMs: Math.max(50, Math.floor(config.REBUILD_STALE_AFTER_MS / 5)),
  retireAfterMs: config.REBUILD_RETIRE_AFTER_MS,
});

export interface ProjectionServiceOptions {
  /** Who may call what: see the policy table. */
  access: AccessOptions;
  eventStore: EventStore;
  /** The read-model database (PGlite or PostgreSQL); may be the event store's own database. */
  readDb: Sql;
  cache: Cache;
  /** Where refusals and operator actions are recorded (default: the audit table of readDb). */
  audit?: AuditLog;
  /** Read-model schema prefix: '' in production, a fresh one per test. */
  prefix?: string;
  logger: Logger;
  /**
   * Each runner's feed, by its checkpoint key (the projection version's schema): with Kafka, one consumer group per
   * schema, so a rebuilt version gets a group of its own. Undefined (or an undefined answer) means the event store's
   * catch-up subscription.
   */
  feedFor?: (key: string, wants: EventInterest) => EventFeed | undefined;
  /** The Kafka topic's partition count when the feeds are Kafka; undefined for the event store's global feed. */
  feedPartitions?: number;
  /** Removes what the feed of a retired version left behind (its Kafka consumer group), by the version's schema. */
  removeFeed?: (key: string) => Promise<void>;
  projections?: readonly Projection[];
  batchSize?: number;
  backoff?: { initialMs: number; maxMs: number };
  rebuild?: Partial<RebuildSettings>;
  /** This process's name in the rebuild job table. */
  instanceId?: string;
  /** Told whenever a live runner's checkpoint moves (see ProjectionRunnerOptions.onAdvance). */
  onAdvance?: (advance: CheckpointAdvance) => void;
  /**
   * The same event store and read database for rebuilds, through connections whose statements may run long (pages
   * of REBUILD_PAGE_SIZE events, verify); default: eventStore and readDb.
   */
  rebuildWith?: { eventStore: EventStore; readDb: Sql };
  /** The Prometheus registry served at GET /metrics (default: a new one). */
  metrics?: ServiceMetrics;
  /** More checks for GET /ready (a shared cache, Kafka membership) beside the read database's and the event store's. */
  ready?: ReadinessChecks;
  readyTimeoutMs?: number;
  /** The operator console at /console/; none: not served. */
  console?: ConsoleOptions;
}

export interface ProjectionService {
  app: Express;
  /** The runners of the live versions, one per projection. */
  readonly runners: readonly ProjectionRunner[];
  rebuilds: Rebuilds;
  /** Migrates the audit log and the read models, starts a runner per projection's live version, and resumes rebuilds left stale. */
  start(): Promise<void>;
  /**
   * Stops every runner and this process's rebuilds (resumable); the databases, store and cache belong to the caller.
   */
  stop(): Promise<void>;
  /** True once every projection's live version has applied the event at position; false after timeoutMs. */
  waitFor(position: GlobalPosition, timeoutMs?: number): Promise<boolean>;
}

export function createProjectionService(options: ProjectionServiceOptions): ProjectionService {
  const { eventStore, readDb, cache, logger, feedPartitions } = options;
  const prefix = options.prefix ?? '';
  const admin = adminSchema(prefix);
  const projections = options.projections ?? liveProjections;
  const settings: RebuildSettings = { ...defaultRebuildSettings, ...options.rebuild };
  const backoff = options.backoff ?? { initialMs: 100, maxMs: 5_000 };
  const embedded = storeFeed((subscription) => eventStore.subscribeToAll(subscription), options.batchSize);

  const live = liveRunners(
    projections,
    (projection, version) =>
      createProjectionRunner({
        projection,
        version,
        sql: readDb,
        prefix,
        feed:
          options.feedFor?.(projection.schema(prefix, version), (streamId) =>
            streamId.startsWith(projection.streamPrefix),
          ) ?? embedded,
        feedPartitions,
        cache,
        logger,
        backoff,
        onAdvance: options.onAdvance,
      }),
    logger,
  );
  let started = false;
  const followRegistry = async () => live.follow(await readLiveVersions(readDb, admin));
  const rebuildWith = options.rebuildWith ?? { eventStore, readDb };
  const jobs = jobTable(readDb, admin, settings.staleAfterMs);
  const rebuilds = createRebuilds({
    eventStore: rebuildWith.eventStore,
    sql: rebuildWith.readDb,
    prefix,
    jobs,
    projections,
    logger,
    feedPartitions,
    pageSize: settings.pageSize,
    heartbeatMs: settings.heartbeatMs,
    backoff,
    owner: options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    // A service that was not started (rebuilds run from a script) has no runners to move, and starts none.
    onSwitched: async () => {
      if (started) await followRegistry();
    },
  });
  const failingLeftovers = new Set<string>();
  const housekeeping = supervisor(
    {
      'following the registry': followRegistry,
      'dropping retired versions': () =>
        dropRetiredSchemas(
          readDb,
          prefix,
          settings.retireAfterMs,
          { cache, removeFeed: options.removeFeed, failing: failingLeftovers },
          logger,
        ),
      'resuming stale rebuilds': () => rebuilds.resumeStale(),
    },
    settings.superviseEveryMs,
    logger,
  );
  const audit = options.audit ?? sqlAuditLog(readDb, { prefix, logger });
  const statuses = () =>
    projectionStatuses({
      sql: readDb,
      eventStore,
      prefix,
      projections,
      feedPartitions,
      staleAfterMs: settings.staleAfterMs,
    });
  const metrics = options.metrics ?? serviceMetrics('projection-service');
  registerProjectionMetrics(metrics.registry, statuses);
  registerProcessorMetrics(metrics.registry, () =>
    live.current().map((runner) => ({ kind: 'projection', status: () => runner.status() })),
  );
  const app = createProjectionApp({
    access: options.access,
    audit,
    metrics,
    statuses,
    rebuilds,
    deadLetters: deadLetters({ sql: readDb, eventStore, prefix, projections, cache, logger }),
    logger,
    ready: { readDatabase: databaseReady(readDb), eventStore: eventStoreReady(eventStore), ...options.ready },
    readyTimeoutMs: options.readyTimeoutMs,
    console: options.console,
  });

  return {
    app,
    get runners() {
      return live.current();
    },
    rebuilds,
    async start() {
      started = true;
      await migrateAuditLog(readDb, prefix);
      const versions = await migrateReadModels(readDb, prefix, projections);
      await live.follow(versions);
      await housekeeping.tick();
      housekeeping.start();
      logger.info('projections started', { projections: live.current().map((runner) => runner.key) });
    },
    async stop() {
      started = false;
      await housekeeping.stop();
      await rebuilds.stop();
      await live.stop();
      await audit.flush();
    },
    waitFor: (position, timeoutMs) => live.waitFor(position, timeoutMs),
  };
}
