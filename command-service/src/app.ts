import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import {
  admissionLimiter,
  createApp,
  databaseReady,
  eventStoreReady,
  finishApp,
  migrateAuditLog,
  registerProcessorMetrics,
  serviceMetrics,
  sqlAuditLog,
  storeFeed,
  supervisor,
  tracedAppends,
  type AccessOptions,
  type AdmissionLimits,
  type AuditLog,
  type EventFeed,
  type EventStore,
  type Logger,
  type ReadinessChecks,
  type ServiceMetrics,
  type Sql,
  type Supervisor,
  type WatchedProcessor,
} from '@order-engine/shared';
import { commandApi } from './http/command-api.js';
import { sameHostQueryUrl, type QueryUrl } from './http/read-location.js';
import { commandMetrics } from './metrics/command-metrics.js';
import { commandHandler, type CommandHandler } from './handling/command-handler.js';
import { DEFAULT_RETRIES } from './handling/handle-command.js';
import { tracedCommands } from './handling/traced-commands.js';
import { idempotency } from './idempotency/idempotency-middleware.js';
import { sqlIdempotencyStore } from './idempotency/idempotency-store.js';
import { orderRoutes } from './orders/order-routes.js';
import { productRoutes } from './products/product-routes.js';
import { sqlCheckpointStore } from './saga/checkpoints.js';
import { migrateCommandStorage } from './storage/migrate.js';
import { checkpointedConsumer, type Consumer } from './saga/consumer.js';
import { fulfilmentKey, fulfilmentSaga } from './saga/fulfilment.js';

export interface CommandServiceOptions {
  /** Who may call what: see the policy table. */
  access: AccessOptions;
  eventStore: EventStore;
  /** Where idempotency keys and the saga's checkpoint are kept. */
  sql: Sql;
  /** Prefix of this service's schema (`<prefix>commands`): lets tests and tenants share one database. */
  prefix?: string;
  logger: Logger;
  /** Conflicting appends retried from a fresh read before answering 409. */
  retries?: number;
  /** The saga's events; default: the event store's catch-up subscription. Kafka plugs in here. */
  feed?: EventFeed;
  /** The Kafka topic's partition count when `feed` is Kafka; undefined for the event store's global feed. */
  feedPartitions?: number;
  now?: () => Date;
  newId?: () => string;
  idempotencyLeaseMs?: number;
  /**
   * How long an Idempotency-Key is kept after its request started; a repeat after that executes again (default 24 h).
   */
  idempotencyKeyTtlMs?: number;
  /** How often housekeeping runs (default 60 s). */
  housekeepingEveryMs?: number;
  /** This service is the only writer of the event store (embedded PGlite): see CommandHandlerOptions.soleWriter. */
  soleWriter?: boolean;
  /** More fields for GET /health, read at each request (the relay's status when it runs in this process). */
  health?: () => Record<string, unknown>;
  /** More checks for GET /ready (Kafka membership, the relay's lease) beside the event store's and the database's. */
  ready?: ReadinessChecks;
  readyTimeoutMs?: number;
  /** Where refusals and operator actions are recorded (default: the audit table of sql). */
  audit?: AuditLog;
  /** The Prometheus registry served at GET /metrics (default: a new one). */
  metrics?: ServiceMetrics;
  /** Other processors of this process (the relay, when it runs here), reported in /metrics beside the saga. */
  processors?: () => readonly WatchedProcessor[];
  /** Where Location headers point: the query API's URL (default: the caller's host at port 3001). */
  queryUrl?: QueryUrl;
  /** Commands handled at once and waiting; past them a command is answered 503 (default 256 and 64). */
  admission?: Pick<AdmissionLimits, 'concurrency' | 'queueLimit' | 'latencyTargetMs'>;
}

export interface CommandService {
  app: Express;
  saga: Consumer;
  commands: CommandHandler;
  /** Forgets expired idempotency keys on every tick, once started. */
  housekeeping: Supervisor;
  /** Creates this service's tables and the audit log's; idempotent, safe to run from several processes at once. */
  migrate(): Promise<void>;
  audit: AuditLog;
}

export const FULFILMENT_SAGA = 'fulfilment-saga';

const DEFAULT_IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;
/** A command that waits longer for a slot is refused: with its handling, still answered well within a second. */
export const MAX_COMMAND_WAIT_MS = 500;

export function createCommandService(options: CommandServiceOptions): CommandService {
  const { sql, prefix = '', logger, retries = DEFAULT_RETRIES, now, newId = randomUUID } = options;
  const metrics = options.metrics ?? serviceMetrics('command-service');
  const counting = commandMetrics(metrics.registry);
  // Appends and commands are traced (no-ops with tracing off): see docs/tracing.md.
  const eventStore = tracedAppends(counting.timed(options.eventStore));
  const handler = commandHandler(eventStore, { retries, now, newId, soleWriter: options.soleWriter });
  const commands = tracedCommands(counting.counted(handler));
  // On a store that indexes the key (PostgreSQL), a command's events record that it ran: they commit together.
  const eventsOf = eventStore.eventsOfIdempotencyKey?.bind(eventStore);
  const keys = sqlIdempotencyStore(sql, { prefix, leaseMs: options.idempotencyLeaseMs, eventsOf });
  const checkpoints = sqlCheckpointStore(sql, { prefix });

  const ready = { eventStore: eventStoreReady(eventStore), database: databaseReady(sql), ...options.ready };
  const limiter = admissionLimiter({
    concurrency: 256,
    queueLimit: 64,
    ...options.admission,
    maxWaitMs: MAX_COMMAND_WAIT_MS,
  });
  const health = () => ({ admission: limiter.status(), ...options.health?.() });
  // Before the body is parsed and the idempotency key claimed: a refusal is cheap, and its retry runs as the first try.
  const audit = options.audit ?? sqlAuditLog(sql, { prefix, logger });
  const app = createApp('command-service', {
    logger,
    audit,
    health,
    ready,
    readyTimeoutMs: options.readyTimeoutMs,
    admission: { limiter, onShed: counting.shed },
    metrics,
    access: options.access,
    api: commandApi(),
  });
  app.use(idempotency(keys, logger, counting.replayed));
  const queryUrl = options.queryUrl ?? sameHostQueryUrl(() => 3001);
  app.use(productRoutes(commands, newId, queryUrl));
  app.use(orderRoutes(commands, newId, queryUrl));
  finishApp(app, logger);

  const feed = options.feed ?? storeFeed((subscription) => eventStore.subscribeToAll(subscription));
  const saga = checkpointedConsumer({
    name: FULFILMENT_SAGA,
    feed,
    feedPartitions: options.feedPartitions,
    checkpoints,
    handle: fulfilmentSaga(commands, logger.child({ component: FULFILMENT_SAGA })),
    keyOf: fulfilmentKey,
    logger,
  });
  registerProcessorMetrics(
    metrics.registry,
    () => [{ kind: 'saga', status: saga.status }, ...(options.processors?.() ?? [])],
    eventStore,
  );

  const keyTtlMs = options.idempotencyKeyTtlMs ?? DEFAULT_IDEMPOTENCY_KEY_TTL_MS;
  const housekeeping = supervisor(
    {
      'expiring idempotency keys': async () => {
        const expired = await keys.expire(keyTtlMs);
        if (expired > 0) logger.info('expired idempotency keys', { expired, olderThanHours: keyTtlMs / 3_600_000 });
      },
    },
    options.housekeepingEveryMs ?? 60_000,
    logger,
  );

  return {
    app,
    saga,
    commands,
    housekeeping,
    audit,
    async migrate() {
      await migrateCommandStorage(sql, prefix);
      await migrateAuditLog(sql, prefix);
    },
  };
}
