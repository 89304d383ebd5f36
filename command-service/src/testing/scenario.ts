import { expect } from 'vitest';
import {
  availableOf,
  decodeEvent,
  orderDecider,
  orderStream,
  productDecider,
  productStream,
  type EventStore,
  type Order,
  type Product,
} from '@order-engine/shared';
import { loadStream } from '../handling/stream-state.js';
import { eventually } from './http.js';
import type { RunningCommandService } from './test-command-service.js';

// Steps of the specs, spelled as a client would take them: over HTTP, checked against the event store.

export async function registerProduct(
  service: RunningCommandService,
  sku: string,
  stock: number,
  priceCents = 1_000,
  currency = 'EUR',
): Promise<void> {
  expect(
    (
      await service.request('/products', {
        body: { sku, name: `Product ${sku}`, category: 'test', priceCents, currency },
      })
    ).status,
  ).toBe(201);
  if (stock > 0)
    expect((await service.request(`/products/${sku}/restock`, { body: { quantity: stock } })).status).toBe(200);
}

export async function placeOrder(
  service: RunningCommandService,
  lines: { sku: string; quantity: number }[],
  orderId?: string,
): Promise<string> {
  const answer = await service.request('/orders', {
    body: { customerId: 'customer-1', lines, ...(orderId ? { orderId } : {}) },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  return answer.body.orderId as string;
}

export const orderOf = async (store: EventStore, orderId: string): Promise<Order> =>
  (await loadStream(store, orderDecider, orderStream(orderId))).state;
export const productOf = async (store: EventStore, sku: string): Promise<Product> =>
  (await loadStream(store, productDecider, productStream(sku))).state;

export const orderReaches = (store: EventStore, orderId: string, status: Order['status']) =>
  eventually(async () => {
    const order = await orderOf(store, orderId);
    return order.status === status ? order : undefined;
  });

/**
 * The head a reader sees once it includes everything this service answered. On PostgreSQL the store shows an
 * event only when no older transaction is still running (in any schema), so the head may briefly lag a commit.
 */
export const visibleHead = (service: RunningCommandService, store: EventStore) =>
  eventually(async () => {
    const head = await store.headPosition();
    return head >= service.lastPosition() ? head : undefined;
  });

/**
 * The saga has handled every event the service's answers named, and everything else it can see. Its chains of
 * reactions run within the handling of their first event, so nothing is left to do after that.
 */
export const sagaSettled = (service: RunningCommandService, store: EventStore) =>
  eventually(async () => {
    const handled = service.service.saga.status().position;
    return handled >= service.lastPosition() && handled >= (await store.headPosition()) ? true : undefined;
  });

/** The head once it shows every event of these streams (read directly, so the saga's own appends count too). */
export async function headIncluding(store: EventStore, streamIds: readonly string[]): Promise<bigint> {
  const lasts = await Promise.all(
    streamIds.map(async (streamId) => (await store.readStream(streamId)).at(-1)?.position ?? 0n),
  );
  const newest = lasts.reduce((max, position) => (position > max ? position : max), 0n);
  return eventually(async () => {
    const head = await store.headPosition();
    return head >= newest ? head : undefined;
  });
}

export const eventTypesOf = async (store: EventStore, streamId: string): Promise<string[]> =>
  (await store.readStream(streamId)).map((event) => decodeEvent(event).type);

/** Stock as it stood after every event of the product's stream. */
export async function availableAfterEachEvent(store: EventStore, sku: string): Promise<number[]> {
  const events = (await store.readStream(productStream(sku))).map(decodeEvent);
  let state: Product = productDecider.initialState;
  const available: number[] = [];
  for (const event of events) {
    state = productDecider.evolve(state, event as Parameters<typeof productDecider.evolve>[1]);
    if (state.status !== 'none') available.push(availableOf(state));
  }
  return available;
}
