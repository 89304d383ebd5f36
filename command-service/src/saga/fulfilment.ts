import { LRUCache } from 'lru-cache';
import {
  DomainError,
  UnreadableEvent,
  decodeEvent,
  inEventSpan,
  orderStream,
  type DomainEvent,
  type DomainEventType,
  type EventMetadata,
  type Logger,
  type Order,
  type OrderCommand,
  type ProductCommand,
  type RecordedEvent,
  type ReserveStock,
  reservationOf,
} from '@order-engine/shared';
import type { CommandHandler } from '../handling/command-handler.js';
import type { StreamState } from '../handling/stream-state.js';

// The fulfilment saga keeps no state of its own: what it needs to know lives in the Order stream, read fresh for every
// event of a product stream, and for an event of the order's own stream folded at least up to that event (a later write
// by another process comes through the feed as an event of its own, and is reacted to then). Every command it issues is
// a no-op when repeated, so at-least-once delivery is safe.

/** Names the saga's span of each event it reacts to: `fulfilment-saga <type>`. */
const FULFILMENT_SPAN = 'fulfilment-saga';

export type SagaCommand = { target: 'product'; command: ProductCommand } | { target: 'order'; command: OrderCommand };

export const FULFILMENT_EVENT_TYPES = [
  'OrderPlaced',
  'StockReserved',
  'StockReservationRejected',
  'OrderRejected',
  'OrderCancelled',
  'OrderShipped',
] as const satisfies readonly DomainEventType[];

type FulfilmentEvent = Extract<DomainEvent, { type: (typeof FULFILMENT_EVENT_TYPES)[number] }>;

const fulfilmentEventTypes = new Set<string>(FULFILMENT_EVENT_TYPES);

// Asked of every message the saga's Kafka feed peeks at, and of every event it is handed.
export const isFulfilmentEventType = (type: string): boolean => fulfilmentEventTypes.has(type);

export const isFulfilmentEvent = (event: DomainEvent): event is FulfilmentEvent => isFulfilmentEventType(event.type);

const product = (command: ProductCommand): SagaCommand => ({ target: 'product', command });
const order = (command: OrderCommand): SagaCommand => ({ target: 'order', command });

const rejectionReason = (
  reason: 'insufficient_stock' | 'discontinued',
  sku: string,
  requested: number,
  available: number,
): string =>
  reason === 'discontinued'
    ? `product ${sku} is discontinued`
    : `insufficient stock for ${sku}: requested ${requested}, available ${available}`;

/**
 * What the saga does about one event, given the order's current state, read from its stream. For a StockReserved,
 * `held` is what the product holds for the order as it stands after it: the event may be stale. Pure.
 */
export function fulfilmentReactions(event: FulfilmentEvent, current: Order, held?: number): SagaCommand[] {
  // Every reaction concerns an order that exists: a reservation for an unknown order is left alone.
  if (current.status === 'none') return [];
  const { orderId } = event.data;
  const eachLine = (toCommand: (sku: string, quantity: number) => SagaCommand): SagaCommand[] =>
    current.lines.map((line) => toCommand(line.sku, line.quantity));
  const lineOf = (sku: string) => current.lines.find((line) => line.sku === sku);
  switch (event.type) {
    case 'OrderPlaced':
      // Redelivered after the order moved on (rejected, cancelled): reserving again would leak stock.
      return current.status === 'placed'
        ? eachLine((sku, quantity) => product({ type: 'ReserveStock', data: { sku, orderId, quantity } }))
        : [];
    case 'StockReserved': {
      const { sku } = event.data;
      const line = lineOf(sku);
      if (!line) return [];
      // The order ended while this reservation was on its way: give the stock back.
      if (current.status === 'rejected' || current.status === 'cancelled')
        return [product({ type: 'ReleaseStock', data: { sku, orderId } })];
      if (current.status !== 'placed' || current.reserved.includes(sku)) return [];
      // A reservation the product no longer holds (settled before this order was placed) decides nothing: the
      // order's own ReserveStock will.
      return held === undefined ? [] : [reservedOrRejected(current, line, held)];
    }
    case 'StockReservationRejected': {
      const { sku, reason, requested, available } = event.data;
      if (current.status !== 'placed' || !lineOf(sku)) return [];
      return [
        order({
          type: 'RejectOrder',
          data: { orderId, sku, reason: rejectionReason(reason, sku, requested, available) },
        }),
      ];
    }
    // Releases and shipments follow the order's own state, not the event that arrived: a replayed or forged
    // OrderCancelled must not free a live order's stock. Lines never reserved are no-ops for the product decider.
    case 'OrderRejected':
    case 'OrderCancelled':
      return current.status === 'rejected' || current.status === 'cancelled'
        ? eachLine((sku) => product({ type: 'ReleaseStock', data: { sku, orderId } }))
        : [];
    case 'OrderShipped':
      return current.status === 'shipped' || current.status === 'delivered'
        ? eachLine((sku) => product({ type: 'ShipStock', data: { sku, orderId } }))
        : [];
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled fulfilment event ${JSON.stringify(unhandled)}`);
    }
  }
}

type PlacedOrder = Extract<Order, { lines: unknown }>;

/** A line is reserved only by a reservation of its full quantity; anything else decides the order as rejected. */
function reservedOrRejected(
  current: PlacedOrder,
  line: { sku: string; quantity: number },
  held: number | undefined,
): SagaCommand {
  const { orderId } = current;
  const { sku, quantity } = line;
  if (held === quantity) return order({ type: 'MarkLineReserved', data: { orderId, sku, quantity } });
  const reason =
    held === undefined
      ? `no stock of ${sku} could be reserved for this order`
      : `stock for ${sku} is reserved for this order as ${held}, not ${quantity}`;
  return order({ type: 'RejectOrder', data: { orderId, sku, reason } });
}

/**
 * A ReserveStock that recorded nothing (the product already had a reservation, or had settled one, for this order id)
 * or that the product refused: the order must still be decided, so the line is marked reserved when the product holds
 * exactly its quantity for the order (`held`), and the order is rejected otherwise. Both are no-ops once it moved on.
 */
export function afterQuietReservation(command: ReserveStock, held: number | undefined, current: Order): SagaCommand[] {
  if (current.status !== 'placed') return [];
  const line = current.lines.find((candidate) => candidate.sku === command.data.sku);
  return line && !current.reserved.includes(line.sku) ? [reservedOrRejected(current, line, held)] : [];
}

/**
 * The order an event concerns: every event the saga reacts to names one. The saga's consumer handles each order's
 * events in feed order and different orders side by side (their product commands then share commits); a product's
 * commands still run one after the other, in the order they are issued, on its stream's queue.
 */
export function fulfilmentKey(recorded: RecordedEvent): string {
  const orderId = (recorded.data as { orderId?: unknown } | null)?.orderId;
  return typeof orderId === 'string' ? orderId : '';
}

/** An event to react to, with the id its reactions name as their cause. */
interface Cause {
  event: DomainEvent;
  eventId: string;
  /** Its revision when it is an event of the order's stream: an order folded up to it is recent enough. */
  orderRevision?: number;
  /** For a StockReserved the saga just decided: what the product holds for the order after it. */
  held?: number;
}

const isOrderEvent = (recorded: Pick<RecordedEvent, 'streamId'>, orderId: string) =>
  recorded.streamId === orderStream(orderId);

/**
 * Runs one reaction; a domain refusal is logged and yields no events (it will be the same on every retry). `order` is
 * the order stream as just read, for a command on it.
 */
type Execute = (reaction: SagaCommand, metadata: EventMetadata, order?: StreamState<Order>) => Promise<Cause[]>;

function executor(commands: CommandHandler, logger: Logger): Execute {
  const execute: Execute = async (reaction, metadata, order) => {
    try {
      if (reaction.target === 'product') {
        const { command } = reaction;
        const result = await commands.product(command, metadata);
        const caused = (held?: number) =>
          result.decided.map((event, i) => ({ event, eventId: result.events[i]?.eventId ?? '', held }));
        if (command.type !== 'ReserveStock') return caused();
        const held = result.state.status === 'none' ? undefined : reservationOf(result.state, command.data.orderId);
        return result.decided.length === 0 ? afterQuiet(command, held, metadata) : caused(held);
      }
      const result = await commands.order(reaction.command, metadata, order);
      return result.decided.map((event, i) => ({
        event,
        eventId: result.events[i]?.eventId ?? '',
        orderRevision: result.events[i]?.revision,
      }));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      logger.warn('fulfilment saga command refused', {
        causationId: metadata.causationId,
        command: reaction.command.type,
        error: error.message,
      });
      // A product that refuses a reservation (one that does not exist) must not leave the order undecided.
      return reaction.command.type === 'ReserveStock' ? afterQuiet(reaction.command, undefined, metadata) : [];
    }
  };
  const afterQuiet = async (
    command: ReserveStock,
    held: number | undefined,
    metadata: EventMetadata,
  ): Promise<Cause[]> => {
    const current = await commands.loadOrder(command.data.orderId);
    const caused: Cause[] = [];
    for (const reaction of afterQuietReservation(command, held, current.state))
      caused.push(...(await execute(reaction, metadata)));
    return caused;
  };
  return execute;
}

/**
 * Handles one recorded event: reads the order, issues the reactions. The events those commands decide are
 * reacted to at once, in the same pass, rather than when the feed brings them round: the order then settles
 * before a redelivered event can be looked at, so a duplicate finds nothing left to do (without this, a
 * redelivered OrderPlaced would record a second StockReservationRejected). When the feed does bring them,
 * they are no-ops, so they are not even looked at: the ids of events reacted to that way are remembered (a bounded
 * set; a restart forgets it, and an event it no longer holds is simply read again and found settled).
 * The chains are short and end by themselves: reserve → mark/reject → release.
 * Infrastructure errors propagate: the consumer retries from its checkpoint.
 */
export function fulfilmentSaga(
  commands: CommandHandler,
  logger: Logger,
  options: { remember?: number } = {},
): (recorded: RecordedEvent) => Promise<void> {
  const execute = executor(commands, logger);
  const heldNow = async ({ sku, orderId }: { sku: string; orderId: string }) => {
    const { state } = await commands.loadProduct(sku);
    return state.status === 'none' ? undefined : reservationOf(state, orderId);
  };
  const reactedTo = new LRUCache<string, true>({ max: options.remember ?? 10_000 });
  const react = async (recorded: RecordedEvent): Promise<void> => {
    let event: DomainEvent;
    try {
      event = decodeEvent(recorded);
    } catch (error) {
      // Retrying cannot make an unreadable event readable: skipping it is the only way forward.
      if (error instanceof UnreadableEvent)
        return logger.error('fulfilment saga skips an unreadable event', {
          eventId: recorded.eventId,
          error: error.message,
        });
      throw error;
    }
    const correlationId = recorded.metadata.correlationId ?? recorded.eventId;
    const root: Cause = { event, eventId: recorded.eventId };
    const pending: Cause[] = [
      isFulfilmentEvent(event) && isOrderEvent(recorded, event.data.orderId)
        ? { ...root, orderRevision: recorded.revision }
        : root,
    ];
    for (let cause = pending.shift(); cause; cause = pending.shift()) {
      if (!isFulfilmentEvent(cause.event)) continue;
      let order: StreamState<Order> | undefined = await commands.loadOrder(
        cause.event.data.orderId,
        cause.orderRevision,
      );
      const metadata: EventMetadata = { correlationId, causationId: cause.eventId, actor: 'fulfilment-saga' };
      // A StockReserved from the feed may be long settled; one the saga just decided comes with the product's state.
      const held =
        cause.event.type !== 'StockReserved'
          ? undefined
          : cause.eventId === recorded.eventId
            ? await heldNow(cause.event.data)
            : cause.held;
      const reactions = fulfilmentReactions(cause.event, order.state, held);
      if (reactions.every((reaction) => reaction.target === 'product')) {
        // One command per line, each on its own product stream: side by side, so their appends can share a commit.
        // Their events are reacted to in line order all the same.
        for (const caused of await Promise.all(reactions.map((reaction) => execute(reaction, metadata))))
          pending.push(...caused);
      } else {
        for (const reaction of reactions) {
          pending.push(...(await execute(reaction, metadata, order)));
          // Only the first command on the order may decide on that read: it moved the stream on.
          if (reaction.target === 'order') order = undefined;
        }
      }
      // Only once its reactions are appended: a failure before makes the feed bring the chain's root again.
      if (cause.eventId !== recorded.eventId && cause.eventId !== '') reactedTo.set(cause.eventId, true);
    }
  };
  // A span per event reacted to, in the trace the event carries: the commands it issues carry that trace on.
  return async (recorded) => {
    if (!isFulfilmentEventType(recorded.type) || reactedTo.has(recorded.eventId)) return;
    await inEventSpan(FULFILMENT_SPAN, recorded, () => react(recorded));
  };
}
