import { createApp, finishApp, HttpProblem, readModelSchemas, SqlUnavailable, type Cache, type Logger, type ProjectionName, type SqlExecutor } from '@order-engine/shared';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { catalogRoutes } from './catalog/catalog-routes.js';
import { productReads } from './catalog/product-reads.js';
import { cacheAside, type CacheCounters } from './consistency/cache-aside.js';
import { checkpointWaiter, sqlCheckpoints } from './consistency/checkpoint-waiter.js';
import { readYourWrites } from './consistency/read-your-writes.js';
import { orderReads } from './orders/order-reads.js';
import { ordersRoutes } from './orders/orders-routes.js';
import { salesReads } from './stats/sales-reads.js';
import { statsRoutes } from './stats/stats-routes.js';

export const QUERY_SERVICE = 'query-service';

export interface QueryServiceOptions {
  /** The read-model database; the query service only reads it (the projection service owns the tables). */
  readDb: SqlExecutor;
  cache: Cache;
  /** Read-model schema prefix ('' in production, a fresh one per test). */
  prefix: string;
  logger: Logger;
  /** How long a request with X-Min-Position may wait for the projection before answering stale. */
  readYourWritesTimeoutMs: number;
  /** The Kafka topic's partition count when the projections read Kafka (checkpoints per partition); else undefined. */
  feedPartitions?: number;
  /** Schema versions to serve; v1 of each by default. */
  versions?: Record<ProjectionName, number>;
  /** Clock for default date ranges. */
  now?: () => Date;
  /** How often waiting requests re-read a checkpoint. */
  checkpointPollMs?: number;
  /** A cache call slower than this is treated as a cache outage. */
  cacheTimeoutMs?: number;
}

export interface QueryService {
  app: Express;
  cacheCounters(): CacheCounters;
  /** Stops the checkpoint poller. The database and the cache belong to the caller, who closes them. */
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
    next(new HttpProblem(503, 'read-model-unavailable', 'Service Unavailable', 'the read models are not set up yet; retry once the projection service runs'));
  } else {
    next(error);
  }
};

export function createQueryService(options: QueryServiceOptions): QueryService {
  const { readDb, cache, prefix, logger, readYourWritesTimeoutMs, versions, now = () => new Date() } = options;
  const schemas = readModelSchemas(prefix, versions);
  const waiter = checkpointWaiter({ readCheckpoint: sqlCheckpoints(readDb, schemas.admin, options.feedPartitions), logger, pollIntervalMs: options.checkpointPollMs });
  const consistency = readYourWrites(waiter, readYourWritesTimeoutMs);
  const cached = cacheAside({ cache, logger, timeoutMs: options.cacheTimeoutMs });

  const routes = createApp(QUERY_SERVICE);
  // Checkpoint keys are the projections' schema names, so a rebuilt v2 is waited for under its own key.
  routes.use(catalogRoutes({ products: productReads(readDb, schemas.catalog), cached, readYourWrites: consistency, projection: schemas.catalog }));
  routes.use(ordersRoutes({ orders: orderReads(readDb, schemas.orders), cached, readYourWrites: consistency, projection: schemas.orders }));
  routes.use(statsRoutes({ sales: salesReads(readDb, schemas.sales), readYourWrites: consistency, projection: schemas.sales, now }));
  routes.use(readDbUnavailable);
  finishApp(routes, logger);

  // createApp already answers GET /health without cache figures, and Express serves the first matching route:
  // this outer app answers /health with them and hands every other request to the routes app.
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: QUERY_SERVICE, cache: cached.counters() });
  });
  app.use(routes);

  return {
    app,
    cacheCounters: cached.counters,
    close: async () => waiter.close(),
  };
}
