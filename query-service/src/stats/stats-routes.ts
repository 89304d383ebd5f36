import { Router } from 'express';
import type { ReadYourWrites } from '../consistency/read-your-writes.js';
import { salesQuery, utcDay } from './sales-query.js';
import type { SalesReads } from './sales-reads.js';

export interface StatsRoutesOptions {
  sales: SalesReads;
  readYourWrites: ReadYourWrites;
  /** Checkpoint key of the sales projection: its schema name. */
  projection: string;
  now: () => Date;
}

export function statsRoutes({ sales, readYourWrites, projection, now }: StatsRoutesOptions): Router {
  const router = Router();

  router.get('/stats/sales', async (req, res) => {
    const range = salesQuery(utcDay(now())).parse(req.query);
    await readYourWrites.settle(req, res, projection);
    res.json(await sales.report(range));
  });

  return router;
}
