import { type SalesDayView } from '@order-engine/shared/read-models/sales';
import { expect, it } from 'vitest';
import { describeOnReadDbs, insertSalesDay, type QueryFixture } from '../testing/index.js';

const day = (d: string, sku: string, units: number, revenueCents: number, currency = 'EUR'): SalesDayView => ({
  day: d,
  sku,
  currency,
  units,
  revenueCents,
});

const sales = [
  day('2026-01-31', 'HAM-1', 1, 1_000),
  day('2026-02-01', 'HAM-1', 2, 2_000),
  day('2026-02-01', 'SAW-2', 1, 3_000),
  day('2026-02-01', 'SAW-2', 4, 9_000, 'USD'),
  day('2026-02-28', 'HAM-1', 3, 3_000),
  day('2026-03-01', 'HAM-1', 5, 5_000),
];

const seed = async (f: QueryFixture) => {
  for (const row of sales) await insertSalesDay(f.db, f.schemas.sales, row);
};

describeOnReadDbs(
  'GET /stats/sales',
  (fixture) => {
    it('answers the days in range, both ends included, with totals per currency', async () => {
      const f = fixture();
      await seed(f);
      const { status, body } = await f.get('/stats/sales?from=2026-02-01&to=2026-02-28');
      expect(status).toBe(200);
      expect(body).toEqual({
        from: '2026-02-01',
        to: '2026-02-28',
        days: [sales[1], sales[2], sales[3], sales[4]],
        totals: [
          { currency: 'EUR', units: 6, revenueCents: 8_000 },
          { currency: 'USD', units: 4, revenueCents: 9_000 },
        ],
      });
    });

    it('filters by sku', async () => {
      const f = fixture();
      await seed(f);
      const { body } = await f.get('/stats/sales?from=2026-01-01&to=2026-12-31&sku=HAM-1');
      expect(body.days.map((d: SalesDayView) => d.day)).toEqual([
        '2026-01-31',
        '2026-02-01',
        '2026-02-28',
        '2026-03-01',
      ]);
      expect(body.totals).toEqual([{ currency: 'EUR', units: 11, revenueCents: 11_000 }]);
    });

    it('defaults to the 30 days up to today (UTC)', async () => {
      const f = fixture();
      await seed(f);
      const { body } = await f.get('/stats/sales');
      expect([body.from, body.to]).toEqual(['2026-01-31', '2026-03-01']);
      expect(body.days).toEqual(sales);
      expect((await f.get('/stats/sales?to=2026-02-01')).body.from).toBe('2026-01-03');
      expect((await f.get('/stats/sales?from=2026-02-28')).body.to).toBe('2026-03-01');
    });

    it('answers empty days and totals for a quiet range', async () => {
      const f = fixture();
      expect((await f.get('/stats/sales?from=2025-01-01&to=2025-01-01')).body).toEqual({
        from: '2025-01-01',
        to: '2025-01-01',
        days: [],
        totals: [],
      });
    });

    it('accepts a range of 366 days and refuses 367', async () => {
      const f = fixture();
      expect((await f.get('/stats/sales?from=2024-01-01&to=2024-12-31')).status).toBe(200);
      const tooLong = await f.get('/stats/sales?from=2024-01-01&to=2025-01-01');
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.errors).toEqual([{ path: 'to', message: expect.stringContaining('367 days') }]);
    });

    it('answers 400 problems for bad dates, reversed ranges and bad skus', async () => {
      const f = fixture();
      const bad = [
        'from=2026-02-30&to=2026-03-01',
        'from=2026-13-01&to=2026-12-31',
        'from=20260101&to=2026-01-02',
        'from=2026-1-1&to=2026-01-02',
        'from=yesterday',
        'from=2026-01-01T00:00:00Z',
        'from=&to=2026-01-02',
        'from=2026-01-02&to=2026-01-01',
        'from=2026-03-02',
        'from=2026-01-01&from=2026-01-02',
        'sku=%20',
        'from[gt]=2026-01-01',
      ];
      for (const query of bad) {
        const { status, headers, body } = await f.get(`/stats/sales?${query}`);
        expect({ query, status }).toEqual({ query, status: 400 });
        expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(body).toMatchObject({
          status: 400,
          type: '/problems/validation-failed',
          errors: [expect.objectContaining({ path: expect.any(String) })],
        });
      }
    });
  },
  { now: () => new Date('2026-03-01T23:59:59.999Z') },
);
