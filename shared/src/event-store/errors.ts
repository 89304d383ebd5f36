import type { ExpectedRevision, StreamRevision } from './event-store.js';

/** The stream moved on since the caller read it (optimistic concurrency). Retrying from a fresh read makes sense. */
export class WrongExpectedRevision extends Error {
  readonly retryable = true;
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or -1 when it does not exist; undefined when the store can't tell. */
    readonly actual: StreamRevision | undefined,
  ) {
    super(
      `stream ${streamId}: expected revision ${String(expected)}, actual ${actual === undefined ? 'unknown' : actual}`,
    );
    this.name = 'WrongExpectedRevision';
  }
}

/** The store could not be reached or failed; retrying later may help. */
export class EventStoreUnavailable extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailable';
  }
}
