import { Sku } from '@order-engine/shared';
import type { SalesRange } from '@order-engine/shared/read-models/sales';
import { z } from 'zod';
import { isoDayParam } from '../input/params.js';

// /stats/sales?from&to[&sku]: days are UTC calendar days, both ends included. Without from/to the answer
// covers the last 30 days up to today; one request may span at most 366 days (a leap year), which bounds
// the rows one answer can hold.

export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;
const dayNumber = (day: string): number => Date.parse(`${day}T00:00:00.000Z`) / DAY_MS;
const fromDayNumber = (n: number): string => new Date(n * DAY_MS).toISOString().slice(0, 10);

export const utcDay = (instant: Date): string => instant.toISOString().slice(0, 10);

/** The query's fields, as the API description tells them; salesQuery adds the defaults and the range's rules. */
export const SalesQueryFields = z.object({
  from: isoDayParam
    .optional()
    .meta({ description: `First UTC day (YYYY-MM-DD); default: ${DEFAULT_RANGE_DAYS - 1} days before to.` }),
  to: isoDayParam.optional().meta({ description: 'Last UTC day, included; default: today.' }),
  sku: Sku.optional().meta({ description: 'Only this product.' }),
});

/** The schema depends on today, which the caller passes in, so defaults are testable without a clock. */
export const salesQuery = (today: string) =>
  SalesQueryFields.transform(({ from, to, sku }): SalesRange => {
    const end = to ?? today;
    return {
      from: from ?? fromDayNumber(dayNumber(end) - (DEFAULT_RANGE_DAYS - 1)),
      to: end,
      ...(sku !== undefined && { sku }),
    };
  }).superRefine(({ from, to }, ctx) => {
    const days = dayNumber(to) - dayNumber(from) + 1;
    if (days < 1)
      ctx.addIssue({ code: 'custom', path: ['from'], message: `from (${from}) must not be after to (${to})` });
    else if (days > MAX_RANGE_DAYS)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `the range spans ${days} days; at most ${MAX_RANGE_DAYS}`,
      });
  });
