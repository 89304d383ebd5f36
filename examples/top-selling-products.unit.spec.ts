import { describe, expect, it } from 'vitest';
import { knownHistory, replayExample } from './known-history.js';

describe('examples/top-selling-products.js', () => {
  it('ranks products by units of paid orders, less refunds, then by revenue', async () => {
    const { result } = await replayExample('./top-selling-products.js');
    expect(result).toEqual([
      // o-1's two at 25.00 and o-5's one at 27.00; o-3's three were refunded
      { sku: 'lamp', units: 3, revenueCents: 7700, currency: 'EUR' },
      // o-1's one and o-4's two; o-2 was rejected, never paid
      { sku: 'mug', units: 3, revenueCents: 2400, currency: 'EUR' },
      { sku: 'vase', units: 1, revenueCents: 4000, currency: 'EUR' },
    ]);
  });

  it('counts nothing for orders placed before the replayed range', async () => {
    const history = knownHistory();
    const fromApril = history.filter((event) => event.recordedAt >= new Date('2026-04-01T00:00:00Z'));
    // o-4 was placed in March, so only o-5 is known in full (and o-3's refund concerns a March payment)
    expect((await replayExample('./top-selling-products.js', fromApril)).result).toEqual([
      { sku: 'vase', units: 1, revenueCents: 4000, currency: 'EUR' },
      { sku: 'lamp', units: 1, revenueCents: 2700, currency: 'EUR' },
    ]);
  });
});
