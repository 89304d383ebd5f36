import { randomUUID } from 'node:crypto';
import {
  orderDecider,
  orderStream,
  productDecider,
  productStream,
  type EventMetadata,
  type EventStore,
  type Order,
  type OrderCommand,
  type OrderEvent,
  type Product,
  type ProductCommand,
  type ProductEvent,
  type RecordedEvent,
  type StreamRevision,
} from '@order-engine/shared';
import { DEFAULT_RETRIES, handleCommands, type BatchedCommand, type HandleResult } from './handle-command.js';
import { recoveredResult } from './recovered-result.js';
import { loadStream, stateCache, type StateCache, type StreamState } from './stream-state.js';
import { streamBatcher } from './stream-batcher.js';

export type ProductResult = HandleResult<Product, ProductEvent>;
export type OrderResult = HandleResult<Order, OrderEvent>;

/** Executes product and order commands; shared by the HTTP routes and the fulfilment saga. */
export interface CommandHandler {
  product(command: ProductCommand, metadata?: EventMetadata): Promise<ProductResult>;
  /** known: the order stream as the caller just read it (or a fresh id's empty stream), see HandleOptions. */
  order(command: OrderCommand, metadata?: EventMetadata, known?: StreamState<Order>): Promise<OrderResult>;
  loadProduct(sku: string): Promise<StreamState<Product>>;
  /**
   * atLeast: a revision the caller knows the stream has reached (an event of it in hand): a cached fold that has it
   * will do, where it would otherwise be read again in case other processes wrote.
   */
  loadOrder(orderId: string, atLeast?: StreamRevision): Promise<StreamState<Order>>;
  /** The result of a product command that appended these events before its answer was lost; nothing is decided. */
  recoveredProduct(appended: readonly RecordedEvent[]): Promise<ProductResult>;
  recoveredOrder(appended: readonly RecordedEvent[]): Promise<OrderResult>;
}

export interface CommandHandlerOptions {
  retries?: number;
  cacheSize?: number;
  now?: () => Date;
  newId?: () => string;
  /**
   * This handler is the only writer of the store (embedded PGlite: one process owns the database, and all of its
   * appends come through here), so a cached fold is the stream as it is: loads skip reading its tail, and so do
   * no-op decisions. Were it wrong, an append would still meet its expected revision, fail and be retried from a
   * fresh read.
   */
  soleWriter?: boolean;
}

export function commandHandler(store: EventStore, options: CommandHandlerOptions = {}): CommandHandler {
  const {
    retries = DEFAULT_RETRIES,
    cacheSize = 10_000,
    now = () => new Date(),
    newId = randomUUID,
    soleWriter = false,
  } = options;
  const products = stateCache<Product>(cacheSize);
  const orders = stateCache<Order>(cacheSize);
  // Commands decide on the cached fold whoever else writes: an append checks its expected revision, so a fold that
  // is behind costs one refused append and a retry from a fresh read. A no-op or a refusal, which append nothing, is
  // decided again on a fresh read when other processes may write (HandleOptions.knownMayLag); loads read then too.
  const cached = <S>(cache: StateCache<S>, streamId: string, atLeast?: StreamRevision) => {
    const known = cache.get(streamId);
    return known && (soleWriter || (atLeast !== undefined && known.revision >= atLeast)) ? known : undefined;
  };
  const mayLag = !soleWriter;
  const context = { now, newId, retries };
  // Concurrent commands on one stream go in batches (see stream-batcher.ts): one append per batch.
  const productCommands = streamBatcher<BatchedCommand<ProductCommand>, ProductResult>((streamId, batch) =>
    handleCommands(store, productDecider, streamId, batch, {
      ...context,
      cache: products,
      known: products.get(streamId),
      knownMayLag: mayLag,
    }),
  );
  // The order a caller passes as known (a fresh id's empty stream, or the stream it just read) is used when its command
  // runs alone; a batch decides on the cached fold, which the command before it in this process has moved on.
  const orderCommands = streamBatcher<BatchedCommand<OrderCommand> & { known?: StreamState<Order> }, OrderResult>(
    (streamId, batch) => {
      const given = batch.length === 1 ? batch[0]!.known : undefined;
      return handleCommands(store, orderDecider, streamId, batch, {
        ...context,
        cache: orders,
        known: given ?? orders.get(streamId),
        knownMayLag: given === undefined && mayLag,
      });
    },
  );
  return {
    product: (command, metadata) => productCommands(productStream(command.data.sku), { command, metadata }),
    order: (command, metadata, known) => orderCommands(orderStream(command.data.orderId), { command, metadata, known }),
    loadProduct: async (sku) =>
      cached(products, productStream(sku)) ?? loadStream(store, productDecider, productStream(sku), products),
    loadOrder: async (orderId, atLeast) =>
      cached(orders, orderStream(orderId), atLeast) ?? loadStream(store, orderDecider, orderStream(orderId), orders),
    recoveredProduct: (appended) => recoveredResult(store, productDecider, appended),
    recoveredOrder: (appended) => recoveredResult(store, orderDecider, appended),
  };
}
