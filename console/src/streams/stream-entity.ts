// Stream ids name their entity (shared/src/domain/streams.ts builds them): product-<sku> and order-<orderId>.

export type StreamEntity = { kind: 'order'; orderId: string } | { kind: 'product'; sku: string };

const ORDER_PREFIX = 'order-';
const PRODUCT_PREFIX = 'product-';

/** The order or product a stream holds; undefined for any other stream. */
export function entityOfStream(streamId: string): StreamEntity | undefined {
  if (streamId.startsWith(ORDER_PREFIX) && streamId.length > ORDER_PREFIX.length)
    return { kind: 'order', orderId: streamId.slice(ORDER_PREFIX.length) };
  if (streamId.startsWith(PRODUCT_PREFIX) && streamId.length > PRODUCT_PREFIX.length)
    return { kind: 'product', sku: streamId.slice(PRODUCT_PREFIX.length) };
  return undefined;
}
