import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from '../../sql/sql.js';
import { WrongExpectedRevision } from '../errors.js';
import type { AppendResult, ExpectedRevision, NewEvent, RecordedEvent } from '../event-store.js';
import { toEventStoreError } from './errors.js';
import { epochMs } from './event-row.js';

// One round trip for a batch of appends: append_events (schema.ts) checks each append's expected revision, assigns
// positions under the append lock and inserts, all in one transaction. The statement runs on its own (autocommit),
// which the global-order guard requires.

export interface AppendRequest {
  streamId: string;
  events: readonly NewEvent[];
  expectedRevision: ExpectedRevision;
}

/** One outcome per request, in order: its result, or the conflict that left its stream untouched. */
export type AppendOutcome = AppendResult | WrongExpectedRevision;

export async function appendBatch(
  sql: SqlExecutor,
  schema: string,
  requests: readonly AppendRequest[],
): Promise<AppendOutcome[]> {
  // An empty append never gets here: the store refuses it before it is queued.
  const toWrite = requests.map(({ streamId, events, expectedRevision }) => {
    const [expected, revision] =
      typeof expectedRevision === 'number' ? ['exact', expectedRevision] : [expectedRevision, null];
    return {
      streamId,
      expected,
      expectedRevision: revision,
      events: events.map((event) => ({
        eventId: (event.eventId ?? randomUUID()).toLowerCase(),
        type: event.type,
        version: event.version,
        data: event.data ?? null,
        metadata: event.metadata ?? {},
      })),
    };
  });

  const payload = JSON.stringify(toWrite);
  const rows = await sql
    .query<AppendRow>(
      // Rows come in append order, each append's in revision order (append-function.ts).
      `select append_index, event_position, event_revision, ${epochMs('event_recorded_at')} as event_recorded_ms, ` +
        `conflict_revision from ${schema}.append_events($1::jsonb)`,
      [payload],
      { prepare: true },
    )
    .catch((error: unknown) => {
      const only = requests.length === 1 ? requests[0] : undefined;
      throw toEventStoreError(error, only?.streamId, only?.expectedRevision);
    });

  const rowsOf = new Map<number, AppendRow[]>();
  for (const row of rows) {
    const ofAppend = rowsOf.get(row.append_index - 1);
    if (ofAppend) ofAppend.push(row);
    else rowsOf.set(row.append_index - 1, [row]);
  }
  // The events as a later read returns them (JSON values, not the caller's objects), from the text sent: one parse.
  const sent = JSON.parse(payload) as typeof toWrite;
  return requests.map(({ streamId, expectedRevision }, i): AppendOutcome => {
    const written = rowsOf.get(i) ?? [];
    const refused = written.find((row) => row.event_position === null);
    if (refused || written.length === 0)
      return new WrongExpectedRevision(streamId, expectedRevision, refused?.conflict_revision ?? undefined);
    const events = sent[i]!.events;
    const recorded = events.map((event, n): RecordedEvent => ({
      eventId: event.eventId,
      type: event.type,
      version: event.version,
      streamId,
      revision: written[n]!.event_revision!,
      position: BigInt(written[n]!.event_position!),
      recordedAt: new Date(written[n]!.event_recorded_ms!),
      data: event.data,
      metadata: event.metadata as RecordedEvent['metadata'],
    }));
    const last = recorded[recorded.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, events: recorded };
  });
}

/** One written event, or (position null) one refused append with its stream's actual last revision. */
type AppendRow = {
  append_index: number;
  event_position: string | null;
  event_revision: number | null;
  event_recorded_ms: number | null;
  conflict_revision: number | null;
};
