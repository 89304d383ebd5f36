import { decodeEvent, type Decider, type DomainEvent, type EventStore, type RecordedEvent } from '@order-engine/shared';
import type { HandleResult } from './handle-command.js';
import { evolveFrom } from './stream-state.js';

/**
 * The result a command had, rebuilt from the events it appended (one append, so one stream): its stream folded up to
 * the last of them, as the command saw it then. Lets a retry be answered as the first request would have been.
 */
export async function recoveredResult<S, C, E extends DomainEvent>(
  store: EventStore,
  decider: Decider<S, C, E>,
  appended: readonly RecordedEvent[],
): Promise<HandleResult<S, E>> {
  const last = appended.at(-1);
  if (!last) throw new RangeError('a recovered command appended at least one event');
  const stream = await store.readStream(last.streamId, { limit: last.revision + 1 });
  const folded = evolveFrom(
    decider,
    { state: decider.initialState, revision: -1, position: 0n },
    stream.map(decodeEvent),
  );
  const decided = appended.map((event) => {
    const { type, data } = decodeEvent(event);
    return { type, data } as E;
  });
  return { events: [...appended], decided, ...folded };
}
