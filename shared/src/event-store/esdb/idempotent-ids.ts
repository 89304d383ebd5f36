import { v5 as uuidV5 } from 'uuid';
import type { NewEvent } from '../event-store.js';

// A fixed namespace for the ids derived from Idempotency-Keys (any uuid; changing it changes every derived id).
const IDEMPOTENCY_KEY_NAMESPACE = '2f0c3f4e-8a51-4b6c-9d1e-5c7a0b2e9f13';

/**
 * The ids of an append's events: an event that carries an Idempotency-Key and no id of its own gets one derived from
 * its stream, its key and its place among that key's events. An append sent again with the same expected revision
 * (after its acknowledgement was lost) then repeats ESDB's own ids, and the server acknowledges it without writing.
 */
export function idempotentEventIds(streamId: string, events: readonly NewEvent[]): (string | undefined)[] {
  const counts = new Map<string, number>();
  return events.map((event) => {
    const key = event.metadata?.idempotencyKey;
    if (event.eventId !== undefined || key === undefined) return event.eventId;
    const n = counts.get(key) ?? 0;
    counts.set(key, n + 1);
    return uuidV5(`${streamId}\n${key}\n${n}`, IDEMPOTENCY_KEY_NAMESPACE);
  });
}
