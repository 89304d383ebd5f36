import { domainEventTypes, isDomainEventType, type DomainEventType } from '@order-engine/shared';
import { z } from 'zod';

// The inputs of history, for the HTTP routes and the CLI alike: both parse with these schemas, so a bad filter
// reads the same way everywhere (a 400 problem answer, or a CLI usage error naming the option).

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An ISO 8601 instant with a time zone (`2026-03-01T12:00:00Z`, `2026-03-01T13:00+01:00`), or a day (`2026-03-01`,
 * UTC midnight). A time without a zone is refused: which zone the reader meant cannot be guessed. Digits beyond
 * milliseconds are dropped, the precision of recorded times. Checked field by field: Date would roll 02-30 over.
 */
export function parseInstant(text: string): Date | undefined {
  const match = INSTANT.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = match[8] ?? 'Z';
  const [zoneHours, zoneMinutes] = zone === 'Z' ? [0, 0] : [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
  if (hour > 23 || minute > 59 || second > 59 || zoneHours > 18 || zoneMinutes > 59) return undefined;
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  local.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  if (local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day) return undefined;
  const offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  return new Date(local.getTime() - offsetMinutes * 60_000);
}

const instantHint =
  'an ISO 8601 time with a zone, such as 2026-03-01T12:00:00Z, or a day such as 2026-03-01 (UTC midnight)';

export const instantParam = z.string().transform((text, ctx) => {
  const instant = parseInstant(text);
  if (!instant) {
    ctx.addIssue({ code: 'custom', message: instantHint });
    return z.NEVER;
  }
  return instant;
});

const MAX_POSITION = (1n << 63n) - 1n;

/** A global position as the API writes it: a decimal string. */
export const positionParam = z
  .string()
  .regex(/^\d{1,19}$/, 'a global position: a whole number written in decimal')
  .transform(BigInt)
  .refine((position) => position <= MAX_POSITION, 'a global position is at most 2^63 - 1');

const countParam = (what: string, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, `${what}: a whole number`)
    .transform(Number)
    .pipe(z.number().int().max(max, `${what} is at most ${max}`));

export const exportLimitParam = countParam('limit', Number.MAX_SAFE_INTEGER).pipe(
  z.number().min(1, 'limit is at least 1'),
);
export const revisionParam = countParam('revision', 2 ** 31 - 1);

/** Event types, repeated (`type=A&type=B`) or comma-separated (`type=A,B`); each one the domain knows. */
export const typesParam = z
  .union([z.string(), z.array(z.string())])
  .transform((value) =>
    (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(',')).map((item) => item.trim()),
  )
  .pipe(
    z
      .array(
        z.string().refine(isDomainEventType, {
          error: (issue) => `unknown event type ${JSON.stringify(issue.input)}; known: ${domainEventTypes.join(', ')}`,
        }),
      )
      .min(1),
  )
  .transform((types) => [...new Set(types)] as DomainEventType[]);

/** A stream-id prefix, e.g. `order-` or `product-lamp`. PostgreSQL rejects NUL in text, hence the check. */
export const streamPrefixParam = z
  .string()
  .min(1)
  .max(200)
  .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');

/** A stream id: the alphabet of the domain's stream names, and never an EventStoreDB system stream (`$...`). */
export const streamIdParam = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'a stream id such as order-o-1 or product-lamp');

export const formatParam = z
  .enum(['ndjson', 'csv'])
  .default('ndjson')
  .meta({ description: 'ndjson: one JSON event per line; csv: a header row, then one row per event.' });
export type HistoryFormat = z.infer<typeof formatParam>;

/** The slice of $all an export reads. Times are a half-open range, so consecutive ranges tile history exactly. */
export interface EventsRange {
  types?: DomainEventType[];
  streamPrefix?: string;
  /** Recorded at or after. */
  from?: Date;
  /** Recorded before (exclusive). */
  to?: Date;
  /** Positions after this one (exclusive). */
  after?: bigint;
  /** At most this many events. */
  limit?: number;
}

/** `from` must come before `to`; shared by the HTTP and CLI schemas. */
const orderedTimes = (range: { from?: Date; to?: Date }, ctx: z.RefinementCtx) => {
  if (range.from && range.to && range.from >= range.to) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `to (${range.to.toISOString()}) must be after from (${range.from.toISOString()}); to is exclusive`,
    });
  }
};

/** GET /history/events, its fields as the API description tells them. Strict: a misspelt filter is a 400. */
export const EventsFilters = z.strictObject({
  type: typesParam.optional().meta({ description: 'Only these event types: repeated, or comma-separated.' }),
  stream: streamPrefixParam.optional().meta({ description: 'Only streams whose id starts with this (`order-`).' }),
  from: instantParam.optional().meta({ description: `Recorded at or after this time: ${instantHint}.` }),
  to: instantParam.optional().meta({ description: `Recorded before this time (exclusive): ${instantHint}.` }),
  after: positionParam.optional().meta({ description: 'Only positions after this one: resume an export.' }),
  limit: exportLimitParam.optional().meta({ description: 'At most this many events.' }),
  format: formatParam,
});

/** GET /history/events: a misspelt filter is a 400, not a silently larger export. */
export const EventsQuery = EventsFilters.superRefine(orderedTimes).transform(
  ({ type, stream, format, ...range }): EventsRange & { format: HistoryFormat } => ({
    ...range,
    types: type,
    streamPrefix: stream,
    format,
  }),
);

export const StreamQuery = z.strictObject({
  format: formatParam,
  from: revisionParam.optional().meta({ description: 'From this revision on (inclusive): a page.' }),
  limit: exportLimitParam.optional().meta({ description: 'At most this many events.' }),
});

/** GET /history/streams: stream ids in order, a page at a time. */
export const StreamsQuery = z.strictObject({
  prefix: streamPrefixParam.optional().meta({ description: 'Only streams whose id starts with this (`order-`).' }),
  after: streamIdParam.optional().meta({ description: 'Only ids after this one: the next page.' }),
  limit: countParam('limit', 1_000)
    .pipe(z.number().min(1, 'limit is at least 1'))
    .default(100)
    .meta({ description: 'At most this many streams (1 to 1000).' }),
});

/** Which point of an entity's history: a time, a revision, or (neither) now. */
export type PointInHistory = { at: Date } | { revision: number } | { latest: true };

/** Time travel's fields, as the API description tells them; one of the two at most. */
export const PointFields = z.strictObject({
  at: instantParam
    .optional()
    .meta({ description: `As it was at this time (the events recorded by then): ${instantHint}.` }),
  revision: revisionParam.optional().meta({ description: 'As it was after the event of this revision.' }),
});

export const PointQuery = PointFields.superRefine((query, ctx) => {
  if (query.at && query.revision !== undefined)
    ctx.addIssue({ code: 'custom', path: ['revision'], message: 'give at or revision, not both' });
}).transform(({ at, revision }): PointInHistory =>
  at ? { at } : revision !== undefined ? { revision } : { latest: true },
);
