import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  type AppendExpectedRevision,
  type CurrentRevision,
} from '@eventstore/db-client';
import type { ExpectedRevision, StreamRevision } from '../event-store.js';

/**
 * The port's expectation in the client's terms; -1 (the revision of a stream with no events) means no stream, as
 * elsewhere.
 */
export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < -1)
        throw new RangeError(`expected revision ${expected} is not a stream revision`);
      return expected === -1 ? NO_STREAM : BigInt(expected);
  }
}

/** The revision of a stream's last event as the port reports it: -1 for no stream, undefined when unknown. */
export function toStreamRevision(current: CurrentRevision | undefined): StreamRevision | undefined {
  if (current === NO_STREAM) return -1;
  return typeof current === 'bigint' ? Number(current) : undefined;
}
