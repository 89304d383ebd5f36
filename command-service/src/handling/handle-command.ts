import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevision,
  encodeEvent,
  type Decider,
  type DomainEvent,
  type EventMetadata,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
  type StreamRevision,
} from '@order-engine/shared';
import { evolveFrom, loadStream, type StateCache, type StreamState } from './stream-state.js';

export interface HandleOptions<S> {
  metadata?: EventMetadata;
  now?: () => Date;
  newId?: () => string;
  /** How many times a conflicting append is retried from a fresh read before WrongExpectedRevision propagates. */
  retries?: number;
  cache?: StateCache<S>;
  /**
   * The stream as the caller read it a moment ago (or knows it: a fresh id names no stream yet). The first attempt
   * decides on it instead of reading again; if it is stale, the append's expected revision fails and the retry reads.
   */
  known?: StreamState<S>;
  /**
   * `known` may be behind the stream (a cached fold, where other processes append too). A decision on it that appends
   * is verified by the expected revision like any other; a no-op or a refusal is not, so it is decided again on a
   * fresh read.
   */
  knownMayLag?: boolean;
}

export interface HandleResult<S, E> {
  /** The events this command appended; [] when the decision was a no-op. */
  events: RecordedEvent[];
  /** The same events in their domain shape. */
  decided: E[];
  state: S;
  /** Revision of the stream's last event (-1 when the stream still does not exist). */
  revision: StreamRevision;
  /** Global position of the stream's last event, also after a no-op: a client can wait for it on the read side. */
  position: GlobalPosition;
}

export const DEFAULT_RETRIES = 10;

// Jitter spreads the retries of appenders that collided, so they do not collide again in lock step.
const backoff = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));

/** Read, fold, decide, append with the expected revision; on a conflict, re-read and decide again. */
export async function handleCommand<S, C, E extends DomainEvent>(
  store: EventStore,
  decider: Decider<S, C, E>,
  streamId: string,
  command: C,
  options: HandleOptions<S> = {},
): Promise<HandleResult<S, E>> {
  const { metadata = {}, now = () => new Date(), newId = randomUUID, retries = DEFAULT_RETRIES, cache, known, knownMayLag = false } = options;
  for (let attempt = 0; ; attempt++) {
    const current = attempt === 0 && known ? known : await loadStream(store, decider, streamId, cache);
    const unverified = attempt === 0 && known !== undefined && knownMayLag;
    let decided: E[];
    try {
      decided = decider.decide(command, current.state, { now: now(), newId });
    } catch (error) {
      if (unverified) continue;
      throw error;
    }
    if (decided.length === 0) {
      if (unverified) continue;
      return { events: [], decided, ...current };
    }
    try {
      const appended = await store.append(
        streamId,
        decided.map((event) => encodeEvent(event, metadata)),
        { expectedRevision: current.revision === -1 ? 'no_stream' : current.revision },
      );
      const next = evolveFrom(decider, current, appended.events.map((event, i) => ({ ...event, ...(decided[i] as E) })));
      cache?.set(streamId, next);
      return { events: appended.events, decided, ...next };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision) || attempt >= retries) throw error;
      await backoff(attempt);
    }
  }
}
