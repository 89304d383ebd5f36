import { describe, expect, it } from 'vitest';
import { salesQuery } from './sales-query.js';
import { totalsOf } from '@order-engine/shared/read-models/sales';

describe('sales query', () => {
  const query = salesQuery('2026-03-01');

  it('defaults to the 30 days up to today', () => {
    expect(query.parse({})).toEqual({ from: '2026-01-31', to: '2026-03-01' });
    expect(query.parse({ to: '2024-03-01' })).toEqual({ from: '2024-02-01', to: '2024-03-01' }); // a leap year
    expect(query.parse({ from: '2026-02-20', sku: 'HAM-1' })).toEqual({
      from: '2026-02-20',
      to: '2026-03-01',
      sku: 'HAM-1',
    });
  });

  it('accepts one day and at most 366', () => {
    expect(query.safeParse({ from: '2026-01-01', to: '2026-01-01' }).success).toBe(true);
    expect(query.safeParse({ from: '2024-01-01', to: '2024-12-31' }).success).toBe(true);
    expect(query.safeParse({ from: '2025-01-01', to: '2026-01-01' }).success).toBe(true);
    expect(query.safeParse({ from: '2024-01-01', to: '2025-01-01' }).error?.issues).toEqual([
      expect.objectContaining({ path: ['to'] }),
    ]);
  });

  it('refuses a range that ends before it starts', () => {
    expect(query.safeParse({ from: '2026-01-02', to: '2026-01-01' }).error?.issues).toEqual([
      expect.objectContaining({ path: ['from'] }),
    ]);
  });
});

describe('sales totals', () => {
  it('add up per currency, never across currencies', () => {
    const day = (currency: string, units: number, revenueCents: number) => ({
      day: '2026-01-01',
      sku: 'A',
      currency,
      units,
      revenueCents,
    });
    expect(totalsOf([day('USD', 1, 100), day('EUR', 2, 300), day('USD', 3, 500)])).toEqual([
      { currency: 'EUR', units: 2, revenueCents: 300 },
      { currency: 'USD', units: 4, revenueCents: 600 },
    ]);
  });
});
