import type { EventStore } from '@order-engine/shared';

/**
 * Fault injection for the crash tests (FAULT_KILL_AFTER_APPEND_KEY, unset in production): the process dies by SIGKILL
 * as soon as an append carrying this Idempotency-Key has committed, before any answer. Without a key, the store as is.
 */
export function killedAfterAppendOf(key: string | undefined, store: EventStore): EventStore {
  if (key === undefined) return store;
  return {
    ...store,
    async append(streamId, events, options) {
      const result = await store.append(streamId, events, options);
      if (events.some((event) => event.metadata?.idempotencyKey === key)) process.kill(process.pid, 'SIGKILL');
      return result;
    },
  };
}
