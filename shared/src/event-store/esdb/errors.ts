import { ErrorType, type WrongExpectedVersionError } from '@eventstore/db-client';
import { EventStoreUnavailable, WrongExpectedRevision } from '../errors.js';
import type { ExpectedRevision } from '../event-store.js';
import { toStreamRevision } from './expected-revision.js';

// Client errors become the port's: conflicts and outages. Anything else (access denied, a deleted stream, a
// malformed event id) is not helped by retrying and passes through unchanged.
//
// The client does not convert every error: an append whose connection fails rejects with the raw gRPC error
// (`code` 14, seen against a closed port), so the gRPC status codes count as well as the client's error types.

/** Client error types after which retrying later makes sense. */
const unavailableTypes: ReadonlySet<string> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  // the server cancelled the call: it is shutting down (a client's own cancellation never surfaces)
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER, // the client reconnects to the leader on the next call
]);

/**
 * gRPC status codes of a raw (unconverted) error with the same meaning: CANCELLED, DEADLINE_EXCEEDED, ABORTED,
 * UNAVAILABLE.
 */
const unavailableCodes: ReadonlySet<number> = new Set([1, 4, 10, 14]);

export interface AppendContext {
  streamId: string;
  expected: ExpectedRevision;
}

export function toEventStoreError(error: unknown, append?: AppendContext): unknown {
  if (!(error instanceof Error)) return error;
  const { type, code } = error as { type?: unknown; code?: unknown };
  if (type === ErrorType.WRONG_EXPECTED_VERSION && append) {
    const actual = toStreamRevision((error as WrongExpectedVersionError).actualVersion);
    return new WrongExpectedRevision(append.streamId, append.expected, actual);
  }
  const unavailable =
    typeof type === 'string'
      ? unavailableTypes.has(type)
      : (typeof code === 'number' && unavailableCodes.has(code)) ||
        error.message.startsWith('Failed to discover after');
  return unavailable
    ? new EventStoreUnavailable(`EventStoreDB unavailable: ${error.message}`, { cause: error })
    : error;
}

/** A read of a stream that does not exist, or no longer does (deleted): the port answers []. */
export function isMissingStream(error: unknown): boolean {
  const type = (error as { type?: unknown } | undefined)?.type;
  return type === ErrorType.STREAM_NOT_FOUND || type === ErrorType.STREAM_DELETED;
}
