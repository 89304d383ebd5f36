import type { RecordedEvent } from '@order-engine/shared';
import { z } from 'zod';
import type { HistoryFormat } from './params.js';

// How history is written out: the event envelope (docs/architecture.md, Streams, commands and events) as stored, one
// event per line. Events are not
// upcast here: an export is the record itself, and `version` says which schema `data` follows (time travel and
// replay upcast). Positions are decimal strings, since JSON numbers lose precision beyond 2^53.

/** One event as the exports and the API write it; the type is inferred from the schema. */
export const EventEnvelope = z
  .object({
    eventId: z.string(),
    type: z.string().meta({ description: 'The event type, such as OrderPlaced.' }),
    version: z.int().min(1).meta({ description: 'The schema version `data` follows (as recorded, not upcast).' }),
    streamId: z.string(),
    revision: z.int().min(0).meta({ description: 'Its place in its stream, from 0.' }),
    position: z.string().regex(/^\d+$/).meta({ description: 'Its global position, in decimal.' }),
    recordedAt: z.iso.datetime(),
    data: z.unknown().meta({ description: "The event's data as recorded." }),
    metadata: z
      .looseObject({
        correlationId: z.string().optional(),
        causationId: z.string().optional(),
        idempotencyKey: z.string().optional(),
        actor: z
          .string()
          .optional()
          .meta({ description: "Who asked: an API key's name, a token's subject, a process." }),
        role: z.string().optional(),
        onBehalfOf: z.string().optional(),
        traceparent: z.string().optional().meta({ description: 'W3C trace context, when tracing was on.' }),
        tracestate: z.string().optional(),
      })
      .meta({ description: 'As recorded: older or newer writers may have put more in it.' }),
  })
  .meta({ id: 'EventEnvelope', description: 'One event as recorded in the event store.' });
export type EventEnvelope = z.infer<typeof EventEnvelope>;

export const toEnvelope = (event: RecordedEvent): EventEnvelope => ({
  eventId: event.eventId,
  type: event.type,
  version: event.version,
  streamId: event.streamId,
  revision: event.revision,
  position: event.position.toString(),
  recordedAt: event.recordedAt.toISOString(),
  data: event.data,
  // An interface has no index signature for the open schema to see, though every EventMetadata fits it.
  metadata: event.metadata as EventEnvelope['metadata'],
});

export interface EventFormat {
  contentType: string;
  /** Written once, before the first event. */
  header: string;
  /** A page of events as one chunk: one write per page keeps the per-event cost to serialising it. */
  page(events: readonly RecordedEvent[]): string;
}

const ndjson: EventFormat = {
  contentType: 'application/x-ndjson; charset=utf-8',
  header: '',
  page: (events) => {
    let chunk = '';
    for (const event of events) chunk += `${JSON.stringify(toEnvelope(event))}\n`;
    return chunk;
  },
};

const csvColumns = [
  'eventId',
  'type',
  'version',
  'streamId',
  'revision',
  'position',
  'recordedAt',
  'data',
  'metadata',
] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, and its quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** data and metadata are JSON text in their cells; the rest are plain values. */
const csvRow = (event: RecordedEvent): string => {
  const envelope = toEnvelope(event);
  return csvColumns
    .map((column) =>
      csvField(
        column === 'data' || column === 'metadata' ? JSON.stringify(envelope[column]) : String(envelope[column]),
      ),
    )
    .join(',');
};

const csv: EventFormat = {
  contentType: 'text/csv; charset=utf-8; header=present',
  header: `${csvColumns.join(',')}\r\n`,
  page: (events) => {
    let chunk = '';
    for (const event of events) chunk += `${csvRow(event)}\r\n`;
    return chunk;
  },
};

export const eventFormats: Record<HistoryFormat, EventFormat> = { ndjson, csv };
