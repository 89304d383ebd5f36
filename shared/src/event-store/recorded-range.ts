import type { ReadAllOptions } from './event-store.js';

/**
 * Whether an event recorded at `recordedAt` lies in readAll's time range, for adapters that filter in code.
 * Recorded times need not follow position order (PostgreSQL stamps an event when its transaction starts, before
 * it waits for the append lock), so a reader checks each event instead of stopping at the first one past the range.
 */
export function recordedWithin(
  recordedAt: Date,
  range: Pick<ReadAllOptions, 'recordedFrom' | 'recordedBefore'>,
): boolean {
  const time = recordedAt.getTime();
  if (range.recordedFrom !== undefined && time < range.recordedFrom.getTime()) return false;
  if (range.recordedBefore !== undefined && time >= range.recordedBefore.getTime()) return false;
  return true;
}
