import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { createApp, finishApp, storeFeed, type EventFeed, type EventStore, type Logger, type Sql } from '@order-engine/shared';
import { commandHandler, type CommandHandler } from './handling/command-handler.js';
import { DEFAULT_RETRIES } from './handling/handle-command.js';
import { idempotency } from './idempotency/idempotency-middleware.js';
import { sqlIdempotencyStore } from './idempotency/idempotency-store.js';
import { orderRoutes } from './orders/order-routes.js';
import { productRoutes } from './products/product-routes.js';
import { sqlCheckpointStore } from './saga/checkpoints.js';
import { checkpointedConsumer, type Consumer } from './saga/consumer.js';
import { fulfilmentKey, fulfilmentSaga } from './saga/fulfilment.js';

export interface CommandServiceOptions {
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
  /** This service is the only writer of the event store (embedded PGlite): see CommandHandlerOptions.soleWriter. */
  soleWriter?: boolean;
}

export interface CommandService {
  app: Express;
  saga: Consumer;
  commands: CommandHandler;
  /** Creates this service's tables; idempotent, safe to run from several processes at once. */
  migrate(): Promise<void>;
}

export const FULFILMENT_SAGA = 'fulfilment-saga';

export function createCommandService(options: CommandServiceOptions): CommandService {
  const { eventStore, sql, prefix = '', logger, retries = DEFAULT_RETRIES, now, newId = randomUUID } = options;
  const commands = commandHandler(eventStore, { retries, now, newId, soleWriter: options.soleWriter });
  const keys = sqlIdempotencyStore(sql, { prefix, leaseMs: options.idempotencyLeaseMs });
  const checkpoints = sqlCheckpointStore(sql, { prefix });

  const app = createApp('command-service');
  app.use(idempotency(keys, logger));
  app.use(productRoutes(commands));
  app.use(orderRoutes(commands, newId));
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

  return {
    app,
    saga,
    commands,
    async migrate() {
      await keys.migrate();
      await checkpoints.migrate();
    },
  };
}
