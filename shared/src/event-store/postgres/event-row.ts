import type { RecordedEvent } from '../event-store.js';

// One select list and one mapper for every query that returns events, so int8 handling lives in one place:
// position comes back as text (drivers differ on int8) and becomes a bigint here. Its alias differs from the
// column name so that `order by position` keeps meaning the bigint column, not the text. recorded_at comes as
// milliseconds since the epoch (recorded_ms): a number becomes a Date about ten times faster than timestamp text
// is parsed, which counts in a history export or a rebuild's replay.

/** A timestamptz as whole milliseconds since the epoch, truncated as a JavaScript Date truncates microseconds. */
export const epochMs = (column: string) => `trunc(extract(epoch from ${column}) * 1000)::float8`;

export const eventColumns =
  `position::text as global_position, event_id::text as event_id, stream_id, revision, ` +
  `type, version, data, metadata, ${epochMs('recorded_at')} as recorded_ms`;

export type EventRow = {
  global_position: string;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  version: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_ms: number;
};

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    version: row.version,
    streamId: row.stream_id,
    revision: row.revision,
    position: BigInt(row.global_position),
    recordedAt: new Date(row.recorded_ms),
    data: row.data,
    metadata: row.metadata,
  };
}
