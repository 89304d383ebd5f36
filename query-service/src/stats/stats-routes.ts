import { Router } from 'express';
import type { ReadYourWrites } from '../consistency/read-your-writes.js';
import { waitForRequestedPosition } from '../consistency/read-position-headers.js';
import { salesQuery, utcDay } from './sales-query.js';
import type { SalesReads } from '@order-engine/shared/read-models/sales';

export interface StatsRoutesOptions {
  /** The sales projection's live schema, resolved per request (after waiting for X-Min-Position). */
  schema: () => Promise<string>;
  sales: (schema: string) => SalesReads;
  readYourWrites: ReadYourWrites;
  now: () => Date;
}

export function statsRoutes({ schema, sales, readYourWrites, now }: StatsRoutesOptions): Router {
  const router = Router();

  router.get('/stats/sales', async (req, res) => {
    const range = salesQuery(utcDay(now())).parse(req.query);
    await waitForRequestedPosition(req, res, readYourWrites, 'sales');
    res.json(await sales(await schema()).report(range));
  });

  return router;
}
