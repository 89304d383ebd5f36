// Only this file builds or parses stream names.
export const productStream = (sku: string): string => `product-${sku}`;
export const orderStream = (orderId: string): string => `order-${orderId}`;

export const PRODUCT_STREAM_PREFIX = 'product-';
export const ORDER_STREAM_PREFIX = 'order-';

export function parseStream(
  streamId: string,
): { kind: 'product'; sku: string } | { kind: 'order'; orderId: string } | undefined {
  if (streamId.startsWith(PRODUCT_STREAM_PREFIX))
    return { kind: 'product', sku: streamId.slice(PRODUCT_STREAM_PREFIX.length) };
  if (streamId.startsWith(ORDER_STREAM_PREFIX))
    return { kind: 'order', orderId: streamId.slice(ORDER_STREAM_PREFIX.length) };
  return undefined;
}
