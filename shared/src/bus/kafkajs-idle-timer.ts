import { createRequire } from 'node:module';

// kafkajs 2.2.4 (its last release) spins on every broker connection. After each request, RequestQueue calls
// scheduleCheckPendingRequests, which arms a timer for `throttledUntil - now`: without throttling that is negative, so
// the timer fires after 1 ms, checks an empty queue and arms the next one, for as long as the connection lives
// (tulios/kafkajs#1556, #1604, #1704; the fixes proposed upstream, #1667 and #1768, are not released). Every producer
// and consumer then wakes its process about 800 times a second for nothing: on a two-core machine running the
// distributed stack, several thousand wake-ups a second in all.
//
// The fix is the one proposed upstream: with nothing pending and no throttle in force there is nothing to check, so no
// timer is armed. That is safe because a request pushed later either goes out at once or is queued by push(), which
// schedules the check itself, and a fulfilled request checks the queue too. Importing this module applies it, once, to
// the one RequestQueue class every kafkajs client uses.

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

const require = createRequire(import.meta.url);

function applyFix(): boolean {
  let RequestQueue: { prototype: RequestQueueInternals & { __idleTimerFixed?: boolean } } | undefined;
  try {
    RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as typeof RequestQueue;
  } catch {
    return false; // another kafkajs layout: nothing to fix here
  }
  const prototype = RequestQueue?.prototype;
  if (!prototype || typeof prototype.scheduleCheckPendingRequests !== 'function') return false;
  if (prototype.__idleTimerFixed) return true;
  const schedule = prototype.scheduleCheckPendingRequests;
  prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  prototype.__idleTimerFixed = true;
  return true;
}

/** Whether the fix is in place (false only if kafkajs's internals moved, e.g. after an upgrade). */
export const kafkajsIdleTimerFixed = applyFix();
