import { WrongExpectedRevision } from '../errors.js';
import type { AppendResult, ExpectedRevision, NewEvent, RecordedEvent } from '../event-store.js';
import type { EsdbClient } from './client.js';
import { toEventStoreError } from './errors.js';
import { toEventData } from './event-mapping.js';
import { toEsdbExpectedRevision } from './expected-revision.js';
import { idempotentEventIds } from './idempotent-ids.js';
import { readStream } from './read-stream.js';

// ESDB's append answers with the stream's new revision and one position (the last event's), but the port returns
// every recorded event with its own position and the server's timestamp. So the appended revisions are read back
// from the stream (one more round trip): revisions never change once written, and the ids confirm they are ours.
// An idempotent repeat of an earlier append (same ids, which ESDB acknowledges without writing) reads back the
// events written the first time, which is the right answer for it too.

const readBackAttempts = 5;

export async function appendEvents(
  client: EsdbClient,
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision = 'any',
): Promise<AppendResult> {
  if (events.length === 0)
    throw new RangeError(`append to ${streamId}: no events (an empty append is refused in every adapter)`);
  const derived = idempotentEventIds(streamId, events);
  const toWrite = events.map((event, i) => toEventData({ ...event, eventId: derived[i] }));
  const ids = toWrite.map((event) => event.id);
  if (new Set(ids).size < ids.length) throw new Error(`append to ${streamId}: duplicate event id`);

  const expectedRevision = toEsdbExpectedRevision(expected);
  const result = await client.appendToStream(streamId, toWrite, { expectedRevision }).catch((error: unknown) => {
    throw toEventStoreError(error, { streamId, expected });
  });
  // A client made with throwOnAppendFailure=false reports a conflict here; its actual revision is not reliable
  // (client 6.2 reports `true` as the revision on the batch-append path), so it is left unknown.
  if (!result.success) throw new WrongExpectedRevision(streamId, expected, undefined);

  const last = Number(result.nextExpectedRevision);
  const recorded = await readBack(client, streamId, last - events.length + 1, ids);
  return { nextExpectedRevision: last, position: recorded[recorded.length - 1]!.position, events: recorded };
}

async function readBack(
  client: EsdbClient,
  streamId: string,
  fromRevision: number,
  ids: string[],
): Promise<RecordedEvent[]> {
  let read: RecordedEvent[] = [];
  for (let attempt = 1; attempt <= readBackAttempts; attempt++) {
    read = await readStream(client, streamId, { fromRevision, limit: ids.length });
    if (read.length === ids.length && read.every((event, i) => event.eventId === ids[i])) return read;
    // Not expected when reading from the leader (the client's default node preference), which acknowledged the
    // write; a client that prefers followers may lag behind it for a moment.
    await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
  }
  throw new Error(
    `append to ${streamId} succeeded, but revisions ${fromRevision}..${fromRevision + ids.length - 1} read back as ` +
      `[${read.map((e) => e.eventId).join(', ')}] instead of [${ids.join(', ')}]`,
  );
}
