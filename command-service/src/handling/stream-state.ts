import { LRUCache } from 'lru-cache';
import {
  decodeEvent,
  fold,
  type Decider,
  type DomainEvent,
  type EventStore,
  type GlobalPosition,
  type StreamRevision,
} from '@order-engine/shared';

/** A stream folded up to `revision`; `position` is the global position of that last event (0n for no stream). */
export interface StreamState<S> {
  state: S;
  /** Revision of the stream's last event, -1 when the stream does not exist. */
  revision: StreamRevision;
  position: GlobalPosition;
}

/** stream id → folded state. Each decider gets its own cache, so the state type is known. */
export interface StateCache<S> {
  get(streamId: string): StreamState<S> | undefined;
  set(streamId: string, entry: StreamState<S>): void;
  delete(streamId: string): void;
}

// Product streams grow with every reservation: folding them from revision 0 on each command gets slower
// with age. Events are immutable, so a cached fold stays true; it can only be behind, and the append's
// expected revision catches that.
export function stateCache<S>(max = 10_000): StateCache<S> {
  const entries = new LRUCache<string, StreamState<S>>({ max });
  return {
    get: (streamId) => entries.get(streamId),
    set: (streamId, entry) => {
      const known = entries.get(streamId);
      // Concurrent loads may finish out of order: never replace a fold with an older one.
      if (!known || known.revision < entry.revision) entries.set(streamId, entry);
    },
    delete: (streamId) => {
      entries.delete(streamId);
    },
  };
}

type DomainDecider<S, E extends DomainEvent> = Pick<Decider<S, never, E>, 'initialState' | 'evolve'>;

/** Applies recorded events (already decoded) to a known state. */
export function evolveFrom<S, E extends DomainEvent>(
  decider: DomainDecider<S, E>,
  from: StreamState<S>,
  events: readonly { type: string; data: unknown; revision: number; position: bigint }[],
): StreamState<S> {
  const last = events.at(-1);
  if (!last) return from;
  const domainEvents = events.map(({ type, data }) => ({ type, data }) as E);
  return { state: fold(decider, domainEvents, from.state), revision: last.revision, position: last.position };
}

/** Reads a stream (only the events after the cached revision, when a cache is given) and folds it. */
export async function loadStream<S, E extends DomainEvent>(
  store: EventStore,
  decider: DomainDecider<S, E>,
  streamId: string,
  cache?: StateCache<S>,
): Promise<StreamState<S>> {
  const from: StreamState<S> = cache?.get(streamId) ?? { state: decider.initialState, revision: -1, position: 0n };
  const recorded = await store.readStream(streamId, { fromRevision: from.revision + 1 });
  // decodeEvent upcasts old versions and validates: a decider only ever sees events in their current shape.
  const loaded = evolveFrom(decider, from, recorded.map(decodeEvent));
  if (loaded !== from) cache?.set(streamId, loaded);
  return loaded;
}
