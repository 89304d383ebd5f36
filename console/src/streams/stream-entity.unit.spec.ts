import { describe, expect, it } from 'vitest';
import { entityOfStream } from './stream-entity.js';

describe('entityOfStream', () => {
  it('reads orders and products from their stream ids', () => {
    expect(entityOfStream('order-5611fab4-f7dc')).toEqual({ kind: 'order', orderId: '5611fab4-f7dc' });
    expect(entityOfStream('product-desk-lamp')).toEqual({ kind: 'product', sku: 'desk-lamp' });
  });

  it('knows no entity for other streams or a bare prefix', () => {
    expect(entityOfStream('customer-alice')).toBeUndefined();
    expect(entityOfStream('order-')).toBeUndefined();
  });
});
