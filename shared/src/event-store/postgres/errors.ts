import { SqlUnavailable } from '../../sql/pg-sql.js';
import { EventStoreUnavailable, WrongExpectedRevision } from '../errors.js';
import type { ExpectedRevision } from '../event-store.js';

/** SQLSTATE that append_events raises when the stream is not at the expected revision; DETAIL holds the actual one. */
export const wrongExpectedRevisionCode = 'ES409';

/** Turns driver errors into the port's errors: conflicts and outages; anything else is a bug and passes through. */
export function toEventStoreError(error: unknown, streamId?: string, expected?: ExpectedRevision): unknown {
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code === wrongExpectedRevisionCode && streamId !== undefined && expected !== undefined) {
    const actual = typeof detail === 'string' && /^-?\d+$/.test(detail) ? Number(detail) : undefined;
    return new WrongExpectedRevision(streamId, expected, actual);
  }
  if (error instanceof SqlUnavailable) return new EventStoreUnavailable(error.message, { cause: error });
  return error;
}
