import type { EventStore, GlobalPosition } from './event-store.js';

/** How far a checkpoint stands behind the head of `$all`. */
export interface Lag {
  /** Positions between the checkpoint and the head (a failed append's unused position counts too). */
  events: number;
  /** Age of the oldest event not handled yet: it grows while a consumer is behind, even when no event arrives. */
  seconds: number;
}

/**
 * The lag of each checkpoint against one head, read at one moment; checkpoints that stand at the same position (the
 * usual case) share one read of their oldest pending event.
 */
export function lagReader(
  eventStore: EventStore,
  head: GlobalPosition,
  at: Date,
): (checkpoint: GlobalPosition) => Promise<Lag> {
  const oldestAge = new Map<GlobalPosition, Promise<number>>();
  return (checkpoint) => {
    if (checkpoint >= head) return Promise.resolve({ events: 0, seconds: 0 });
    let age = oldestAge.get(checkpoint);
    if (!age) {
      age = eventStore
        .readAll({ after: checkpoint, limit: 1 })
        .then(([oldest]) => (oldest ? Math.max(0, (at.getTime() - oldest.recordedAt.getTime()) / 1000) : 0));
      oldestAge.set(checkpoint, age);
    }
    return age.then((seconds) => ({ events: Number(head - checkpoint), seconds }));
  };
}
