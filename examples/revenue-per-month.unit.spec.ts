import { describe, expect, it } from 'vitest';
import { knownHistory, replayExample } from './known-history.js';

describe('examples/revenue-per-month.js', () => {
  it('adds up payments per month of payment, less refunds of that month', async () => {
    const { result, events, complete } = await replayExample('./revenue-per-month.js');
    expect(complete).toBe(true);
    expect(events).toBe(knownHistory().length);
    expect(result).toEqual([
      // o-1; o-3 was paid in March and refunded in April, so March loses it again
      { month: '2026-03', currency: 'EUR', orders: 1, revenueCents: 5800 },
      // o-4 (paid ten minutes into April) and o-5
      { month: '2026-04', currency: 'EUR', orders: 2, revenueCents: 8300 },
    ]);
  });

  it('gives an empty list for a history without payments', async () => {
    const { result } = await replayExample('./revenue-per-month.js', knownHistory().slice(0, 3));
    expect(result).toEqual([]);
  });
});
