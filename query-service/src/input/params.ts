import { z } from 'zod';
import { Text } from '@order-engine/shared';

// Query-string values arrive as strings (or arrays/objects with the extended parser): these schemas accept
// exactly one well-formed string, so `?limit=5&limit=6` or `?q[x]=1` is a 400, never a surprise downstream.

export const MAX_LIMIT = 200;
export const DEFAULT_LIMIT = 50;

/** 1..200, default 50. Digits only: z.coerce would also take "1e2", "0x10" or " 5". */
export const limitParam = z
  .string()
  .regex(/^\d{1,4}$/, `an integer from 1 to ${MAX_LIMIT}`)
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_LIMIT))
  .default(DEFAULT_LIMIT)
  .meta({ description: `Items per page: 1 to ${MAX_LIMIT}, default ${DEFAULT_LIMIT}.` });

/** Free text for filters: the same rule as the commands' text, so nothing PostgreSQL refuses reaches a query. */
export const textParam = Text(200);

export const booleanParam = z.enum(['true', 'false']).transform((value) => value === 'true');

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar day YYYY-MM-DD that exists: Date would silently roll 2026-02-30 over to March. */
export const isoDayParam = z.string().refine((value) => {
  if (!ISO_DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}, 'a calendar day as YYYY-MM-DD');

const ISO_INSTANT_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A UTC instant with microseconds, as cursors carry it (PostgreSQL timestamps have microsecond precision). */
export const isoInstantMicros = z.string().refine((value) => {
  if (!ISO_INSTANT_MICROS.test(value)) return false;
  const millis = `${value.slice(0, 23)}Z`;
  const date = new Date(millis);
  return !Number.isNaN(date.getTime()) && date.toISOString() === millis;
}, 'a UTC timestamp with microseconds');
