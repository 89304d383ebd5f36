import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevision,
  encodeEvent,
  fold,
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
const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 50)));

/** One command of a batch on one stream, with the metadata its events carry. */
export interface BatchedCommand<C> {
  command: C;
  metadata?: EventMetadata;
}

/** Read, fold, decide, append with the expected revision; on a conflict, re-read and decide again. */
export async function handleCommand<S, C, E extends DomainEvent>(
  store: EventStore,
  decider: Decider<S, C, E>,
  streamId: string,
  command: C,
  options: HandleOptions<S> = {},
): Promise<HandleResult<S, E>> {
  const [outcome] = await handleCommands(store, decider, streamId, [{ command, metadata: options.metadata }], options);
  if (outcome instanceof Error) throw outcome;
  return outcome!;
}

/**
 * handleCommand for several commands on one stream: each is decided on the state the ones before it leave, and all
 * their events go in one append (one expected revision, one commit). A command the decider refuses fails alone (its
 * Error is its outcome); the others go on without it. A conflict re-reads and decides the whole batch again.
 */
export async function handleCommands<S, C, E extends DomainEvent>(
  store: EventStore,
  decider: Decider<S, C, E>,
  streamId: string,
  commands: readonly BatchedCommand<C>[],
  options: Omit<HandleOptions<S>, 'metadata'> = {},
): Promise<(HandleResult<S, E> | Error)[]> {
  const {
    now = () => new Date(),
    newId = randomUUID,
    retries = DEFAULT_RETRIES,
    cache,
    known,
    knownMayLag = false,
  } = options;
  for (let attempt = 0; ; attempt++) {
    const current = attempt === 0 && known ? known : await loadStream(store, decider, streamId, cache);
    const unverified = attempt === 0 && known !== undefined && knownMayLag;
    const decisions = decideInTurn(decider, current.state, commands, { now, newId });
    // On a fold that may lag, only appends are checked (by the expected revision): decide the rest on a fresh read.
    if (unverified && decisions.some((decided) => decided instanceof Error || decided.length === 0)) continue;
    const events = commands.flatMap(({ metadata = {} }, i) => {
      const decided = decisions[i]!;
      return decided instanceof Error ? [] : decided.map((event) => encodeEvent(event, metadata));
    });
    if (events.length === 0)
      return decisions.map((decided) => (decided instanceof Error ? decided : { events: [], decided, ...current }));
    try {
      const appended = await store.append(streamId, events, {
        expectedRevision: current.revision === -1 ? 'no_stream' : current.revision,
      });
      let state = current;
      let next = 0;
      const outcomes = decisions.map((decided) => {
        if (decided instanceof Error) return decided;
        const recorded = appended.events.slice(next, (next += decided.length));
        state = evolveFrom(
          decider,
          state,
          recorded.map((event, i) => ({ ...event, ...(decided[i] as E) })),
        );
        return { events: recorded, decided, ...state };
      });
      cache?.set(streamId, state);
      return outcomes;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision) || attempt >= retries) throw error;
      await backoff(attempt);
    }
  }
}

/** Each command's events, decided on the state those before it leave; a refused command leaves the state as it was. */
function decideInTurn<S, C, E extends DomainEvent>(
  decider: Decider<S, C, E>,
  initial: S,
  commands: readonly BatchedCommand<C>[],
  context: { now: () => Date; newId: () => string },
): (E[] | Error)[] {
  let state = initial;
  return commands.map(({ command }, i) => {
    try {
      const decided = decider.decide(command, state, { now: context.now(), newId: context.newId });
      if (i < commands.length - 1) state = fold(decider, decided, state);
      return decided;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  });
}
