// The event store port. Adapters: postgres/ (PGlite and real PostgreSQL), memory/ (tests), esdb/ (EventStoreDB).
// Every adapter passes the contract suite in event-store.contract.ts.

/** Revision of an event inside its stream: 0 for the first event. */
export type StreamRevision = number;
/**
 * Global position in `$all`: strictly increasing in read order, 1 for the first event. 0n means "before everything".
 */
export type GlobalPosition = bigint;

/** What the caller believes about the stream before appending: a number is the revision of its last event. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | StreamRevision;

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  idempotencyKey?: string;
  /** Who asked: an API key's name or a token's subject (or a process: `fulfilment-saga`). */
  actor?: string;
  /** The actor's role when it was an API caller. */
  role?: string;
  /** Whom an operator said it acted for (its X-Actor header): recorded beside the actor, never instead of it. */
  onBehalfOf?: string;
  /**
   * W3C trace context of the span that handed the event on (docs/tracing.md): the command that decided it, or the
   * Kafka receive that delivered it. Absent when tracing was off.
   */
  traceparent?: string;
  tracestate?: string;
}

export interface NewEvent {
  /** Defaults to a fresh uuid. */
  eventId?: string;
  type: string;
  /** Schema version of `data`. */
  version: number;
  data: unknown;
  metadata?: EventMetadata;
}

export interface RecordedEvent {
  eventId: string;
  type: string;
  version: number;
  streamId: string;
  revision: StreamRevision;
  position: GlobalPosition;
  recordedAt: Date;
  data: unknown;
  metadata: EventMetadata;
}

export interface AppendResult {
  /** Revision of the last appended event: pass it as the next expected revision. */
  nextExpectedRevision: StreamRevision;
  /** Global position of the last appended event. */
  position: GlobalPosition;
  events: RecordedEvent[];
}

export interface EventFilter {
  /** Only these event types (any of them). */
  types?: readonly string[];
  /** Only streams whose id starts with this prefix, e.g. `order-`. */
  streamPrefix?: string;
}

export interface ReadStreamOptions {
  fromRevision?: StreamRevision;
  limit?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with position > after. Default 0n. */
  after?: GlobalPosition;
  /** Inclusive upper bound on position. */
  to?: GlobalPosition;
  limit?: number;
  filter?: EventFilter;
  /** Only events recorded at or after this instant. Times compare at recordedAt's precision, milliseconds. */
  recordedFrom?: Date;
  /** Only events recorded before this instant (exclusive), so consecutive ranges neither overlap nor leave a gap. */
  recordedBefore?: Date;
}

export interface SubscribeOptions {
  /** Exclusive start position (a stored checkpoint). Default 0n. */
  after?: GlobalPosition;
  filter?: EventFilter;
  /** Largest batch handed to the consumer. */
  batchSize?: number;
  /** Abort to end the subscription; the iterator then returns. */
  signal?: AbortSignal;
}

export interface EventStore {
  /** Appends atomically; throws WrongExpectedRevision when the stream is not where the caller expected. */
  append(
    streamId: string,
    events: readonly NewEvent[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;
  /** Events of one stream in revision order; [] for a stream that does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** A page of `$all` in position order. Never skips an event that a later read could return at a lower position. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Catch-up subscription: every matching event after `after`, exactly once and in position order, then follows the
   * head.
   */
  subscribeToAll(options?: SubscribeOptions): AsyncIterable<RecordedEvent[]>;
  /** Position of the newest event a reader can see; 0n when the store is empty. */
  headPosition(): Promise<GlobalPosition>;
  /**
   * Where $all is held back after `after`, and by what, when committed events wait behind a transaction still running
   * (stores that order $all by transaction, as the PostgreSQL one does); undefined when nothing waits.
   */
  heldBack?(after: GlobalPosition): Promise<HeldBack | undefined>;
  /**
   * The events appended with this `metadata.idempotencyKey` and recorded at or after `since`, in position order
   * (stores that index the key, as the PostgreSQL one does): they commit with the events, so they survive a crash.
   */
  eventsOfIdempotencyKey?(key: string, since: Date): Promise<RecordedEvent[]>;
  /** Stream ids in order, with their last event (stores that can list them; EventStoreDB's adapter cannot). */
  listStreams?(query: ListStreamsQuery): Promise<StreamSummary[]>;
  close(): Promise<void>;
}

export interface ListStreamsQuery {
  /** Only ids that start with this. */
  prefix?: string | undefined;
  /** Only ids after this one, in the store's order: the next page. */
  after?: string | undefined;
  limit: number;
}

/** A stream and its last event. */
export interface StreamSummary {
  streamId: string;
  revision: StreamRevision;
  position: GlobalPosition;
  recordedAt: Date;
}

/** Committed events wait at `position` for the transaction `blocker` to end. */
export interface HeldBack {
  position: GlobalPosition;
  /** The oldest transaction holding an xid on the server: a backend (id = its pid) or a prepared one (id = its gid). */
  blocker?: {
    kind: 'backend' | 'prepared';
    id: string;
    owner: string | null;
    application: string | null;
    state: string | null;
    since: Date | null;
    query: string | null;
  };
}
