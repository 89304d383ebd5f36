import type { RecordedEvent } from '../event-store/event-store.js';
import type { RoundHandler } from './processor.js';

export interface ReactorOptions {
  handle: (event: RecordedEvent) => Promise<void>;
  /**
   * Events of one key are handled one after the other, in feed order; events of different keys in a round side by
   * side (their commands then share commits). Without it, every event waits for the one before.
   */
  keyOf?: (event: RecordedEvent) => string;
}

/** A handler that reacts to events one by one (the fulfilment saga), keyed for concurrency. */
export function reactor({ handle, keyOf = () => '' }: ReactorOptions): RoundHandler {
  return async (events, signal) => {
    const byKey = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const key = keyOf(event);
      const keyed = byKey.get(key);
      if (keyed) keyed.push(event);
      else byKey.set(key, [event]);
    }
    const outcomes = await Promise.allSettled(
      [...byKey.values()].map(async (keyed) => {
        for (const event of keyed) {
          if (signal.aborted) return;
          await handle(event);
        }
      }),
    );
    // Every key has finished before the round counts as failed: none is still running when it is retried.
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  };
}
