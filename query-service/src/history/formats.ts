import { toEnvelope, type RecordedEvent } from '@order-engine/shared';
import type { HistoryFormat } from './params.js';

// How history is written out: the event envelope (event-envelope.ts) as stored, one event per line. Events are not
// upcast here: an export is the record itself, and `version` says which schema `data` follows (time travel and
// replay upcast).

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
