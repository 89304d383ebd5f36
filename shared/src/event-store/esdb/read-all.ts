import { BACKWARDS, END, FORWARDS, type AllStreamResolvedEvent, type ReadPosition } from '@eventstore/db-client';
import type { GlobalPosition, ReadAllOptions, RecordedEvent } from '../event-store.js';
import { recordedWithin } from '../recorded-range.js';
import { collect, type EsdbClient } from './client.js';
import { isSystemEvent, toRecordedEvent } from './event-mapping.js';
import { passes } from './filters.js';
import { atPosition, commitPositionOf, toReadPosition } from './positions.js';

// $all in pages. ESDB's $all is a prefix of its log: a reader sees events up to the last indexed position and never
// one that appears later at a lower position, so continuing from the last position read skips nothing (the
// PostgreSQL store's late-commit problem does not arise). The page is filtered here (see filters.ts), recorded
// times too: ESDB cannot filter on them server-side.

export async function readAll(client: EsdbClient, options: ReadAllOptions, pageSize: number): Promise<RecordedEvent[]> {
  const after = options.after ?? 0n;
  const limit = options.limit ?? Infinity;
  const found: RecordedEvent[] = [];
  if (limit <= 0) return found;
  let scannedTo = after;
  for (;;) {
    const page = await readPage(client, toReadPosition(scannedTo), FORWARDS, pageSize);
    const from = scannedTo;
    for (const resolved of page) {
      const position = commitPositionOf(resolved);
      // A forward read includes the event at its start position, which the previous page (or `after`) covered.
      if (position === undefined || position <= scannedTo) continue;
      if (options.to !== undefined && position > options.to) return found;
      scannedTo = position;
      const event = resolved.event;
      if (!event || !passes(event, options.filter) || !recordedWithin(event.created, options)) continue;
      found.push(toRecordedEvent(event));
      if (found.length >= limit) return found;
    }
    if (page.length < pageSize) return found;
    if (scannedTo === from)
      throw new Error(`reading $all after ${from} did not move on: a full page of events at or before it`);
  }
}

/** The newest position of a non-system event in $all; 0n when there is none. */
export async function headPosition(client: EsdbClient, pageSize: number): Promise<GlobalPosition> {
  let from: ReadPosition = END;
  for (;;) {
    // A backward read excludes the event at its start position, so pages do not overlap.
    const page = await readPage(client, from, BACKWARDS, pageSize);
    const newest = page.find((resolved) => resolved.event && !isSystemEvent(resolved.event));
    if (newest?.event) return toRecordedEvent(newest.event).position;
    const oldest = page.length < pageSize ? undefined : commitPositionOf(page[page.length - 1]!);
    if (oldest === undefined) return 0n;
    from = atPosition(oldest);
  }
}

function readPage(
  client: EsdbClient,
  fromPosition: ReadPosition,
  direction: typeof FORWARDS | typeof BACKWARDS,
  maxCount: number,
) {
  return collect<AllStreamResolvedEvent>(client.readAll({ fromPosition, direction, maxCount }));
}
