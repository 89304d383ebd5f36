import {
  sqlAuditLog,
  type AuditLog,
  adminSchema,
  createApp,
  databaseReady,
  eventStoreReady,
  finishApp,
  fixedSchemas,
  HttpProblem,
  liveSchemas,
  SqlUnavailable,
  type AccessOptions,
  type Cache,
  type EventStore,
  type Logger,
  type ProjectionName,
  type ReadinessChecks,
  type ServiceMetrics,
  type SqlExecutor,
  serviceMetrics,
} from '@order-engine/shared';
import { productReads } from '@order-engine/shared/read-models/catalog';
import { orderReads } from '@order-engine/shared/read-models/orders';
import { salesReads } from '@order-engine/shared/read-models/sales';
import type { ErrorRequestHandler, Express } from 'express';
import { catalogRoutes } from './catalog/catalog-routes.js';
import { cacheAside, type CacheCounters } from './consistency/cache-aside.js';
import { registerCacheMetrics } from './consistency/cache-metrics.js';
import { checkpointWaiter, sqlCheckpoints } from './consistency/checkpoint-waiter.js';
import { entityReads } from './consistency/entity-read.js';
import { entityRoutes } from './consistency/entity-route.js';
import { entityReadRoutes } from './entity-routes.js';
import { readYourWrites } from './consistency/read-your-writes.js';
import { ordersRoutes } from './orders/orders-routes.js';
import { statsRoutes } from './stats/stats-routes.js';
import { historyRoutes } from './history/index.js';
import { queryApi } from './query-api.js';

export const QUERY_SERVICE = 'query-service';

export interface QueryServiceOptions {
  /** The Prometheus registry served at GET /metrics (default: a new one). */
  metrics?: ServiceMetrics;
  /** Who may call what: see the policy table. */
  access: AccessOptions;
  /** The read-model database; the query service only reads it (the projection service owns the tables). */
  readDb: SqlExecutor;
  /** The event store, read by the history routes (exports and time travel); without it they are not mounted. */
  eventStore?: EventStore;
  cache: Cache;
  /** Read-model schema prefix ('' in production, a fresh one per test). */
  prefix: string;
  logger: Logger;
  /** How long a request with X-Min-Position may wait for the projection before answering stale. */
  readYourWritesTimeoutMs: number;
  /** The Kafka topic's partition count when the projections read Kafka (checkpoints per partition); else undefined. */
  feedPartitions?: number;
  /**
   * Schema versions to serve, fixed; by default the live versions in the registry, followed as rebuilds switch them.
   */
  versions?: Record<ProjectionName, number>;
  /**
   * How long the registry's answer is reused (the projection service keeps a switched-away version longer than this).
   */
  registryTtlMs?: number;
  /** Clock for default date ranges. */
  now?: () => Date;
  /** How often waiting requests re-read a checkpoint. */
  checkpointPollMs?: number;
  /** A cache call slower than this is treated as a cache outage. */
  cacheTimeoutMs?: number;
  /**
   * The projections run in this process, report their checkpoints here (checkpointAdvanced) only once their cache
   * writes are done, and the cache is this process's memory: a read with X-Min-Position may then be served from an
   * entry a projection wrote, which holds what the reported checkpoint covers (not from a fill, which may be older).
   * Otherwise such a read goes to the database.
   */
  cacheKeepsUpWithReports?: boolean;
  /** More checks for GET /ready (a shared cache) beside the read database's and the event store's. */
  ready?: ReadinessChecks;
  readyTimeoutMs?: number;
  /**
   * Where refused requests are recorded (default: the audit table of readDb, which the projection service creates;
   * a SELECT-only role needs INSERT on it, see `cli migrate --read-role`).
   */
  audit?: AuditLog;
}

/** A projection version's checkpoint moved (as the projection service's runners report it). */
export interface CheckpointAdvance {
  projection: ProjectionName;
  /** The version's schema. */
  schema: string;
  position: bigint;
}

export interface QueryService {
  app: Express;
  cacheCounters(): CacheCounters;
  /**
   * For projections running in this process: their runners report every move of a checkpoint here, so that reads
   * with X-Min-Position neither query the checkpoint nor wait for the poller.
   */
  checkpointAdvanced(advance: CheckpointAdvance): void;
  /** Stops the checkpoint poller and writes what the audit log still holds. The database and the cache belong to the caller, who closes them. */
  close(): Promise<void>;
}

// SQLSTATEs of a read model whose tables the projection service has not created yet (first start, new prefix).
const MISSING_READ_MODEL = new Set(['42P01', '3F000']);

// A read database that cannot be reached, or whose read models are not there yet, is worth a retry, not an
// "unexpected error": 503 with Retry-After.
const readDbUnavailable: ErrorRequestHandler = (error, _req, _res, next) => {
  if (error instanceof SqlUnavailable) {
    next(new HttpProblem(503, 'unavailable', 'Service Unavailable', 'the read database is unavailable; retry later'));
  } else if (MISSING_READ_MODEL.has((error as { code?: unknown })?.code as string)) {
    next(
      new HttpProblem(
        503,
        'read-model-unavailable',
        'Service Unavailable',
        'the read models are not set up yet; retry once the projection service runs',
      ),
    );
  } else {
    next(error);
  }
};

export function createQueryService(options: QueryServiceOptions): QueryService {
  const { readDb, cache, prefix, logger, readYourWritesTimeoutMs, versions, now = () => new Date() } = options;
  const live = versions
    ? fixedSchemas(prefix, versions)
    : liveSchemas({ sql: readDb, prefix, logger, ttlMs: options.registryTtlMs });
  // Requests wait for a projection by name; each read of its checkpoint goes to the live version's, so a wait that
  // spans a rebuild's switch follows it (the old version's checkpoint stops moving at the switch).
  const checkpointOf = sqlCheckpoints(readDb, adminSchema(prefix), options.feedPartitions);
  // Checkpoints reported by runners in this process, by schema: exact, since a runner reports what it committed.
  const reported = new Map<string, bigint>();
  const readCheckpoint = async (name: string) => {
    const schema = await live.of(name as ProjectionName);
    return reported.get(schema) ?? checkpointOf(schema);
  };
  const waiter = checkpointWaiter({ readCheckpoint, logger, pollIntervalMs: options.checkpointPollMs });
  const consistency = readYourWrites(waiter, readYourWritesTimeoutMs, options.cacheKeepsUpWithReports, (name) =>
    live.of(name as ProjectionName),
  );
  const cached = cacheAside({ cache, logger, timeoutMs: options.cacheTimeoutMs });
  const schemaOf = (name: ProjectionName) => () => live.of(name);

  const ready = {
    readDatabase: databaseReady(readDb),
    ...(options.eventStore && { eventStore: eventStoreReady(options.eventStore) }),
    ...options.ready,
  };
  const audit = options.audit ?? sqlAuditLog(readDb, { prefix, logger });
  const metrics = options.metrics ?? serviceMetrics(QUERY_SERVICE);
  registerCacheMetrics(metrics.registry, cached);
  const app = createApp(QUERY_SERVICE, {
    logger,
    audit,
    metrics,
    health: () => ({ cache: cached.counters() }),
    ready,
    readyTimeoutMs: options.readyTimeoutMs,
    access: options.access,
    api: queryApi(),
  });
  const readEntity = entityReads(cached, consistency);
  app.use(entityRoutes(entityReadRoutes, { readDb, schemaOf, readEntity }));
  app.use(
    catalogRoutes({
      schema: schemaOf('catalog'),
      products: (schema) => productReads(readDb, schema),
      readYourWrites: consistency,
    }),
  );
  app.use(
    ordersRoutes({
      schema: schemaOf('orders'),
      orders: (schema) => orderReads(readDb, schema),
      readYourWrites: consistency,
    }),
  );
  app.use(
    statsRoutes({
      schema: schemaOf('sales'),
      sales: (schema) => salesReads(readDb, schema),
      readYourWrites: consistency,
      now,
    }),
  );
  if (options.eventStore) app.use(historyRoutes({ eventStore: options.eventStore, logger }));
  app.use(readDbUnavailable);
  finishApp(app, logger);

  return {
    app,
    cacheCounters: cached.counters,
    checkpointAdvanced({ projection, schema, position }) {
      reported.set(schema, position);
      // Waiting requests read the live version: a rebuilt version moving before its switch concerns none of them.
      void live.of(projection).then(
        (liveSchema) => liveSchema === schema && waiter.advanced(projection, position),
        () => undefined, // the poller reads the checkpoint itself meanwhile
      );
    },
    close: async () => {
      await waiter.close();
      await audit.flush();
    },
  };
}
