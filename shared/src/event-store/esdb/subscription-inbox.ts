import type { AllStreamResolvedEvent, AllStreamSubscription } from '@eventstore/db-client';
import { EventStoreUnavailable } from '../errors.js';

// Buffers what an ESDB subscription delivers until the consumer takes it, pausing the subscription when the
// buffer is full (gRPC flow control then holds the server back), and hands over what is available at once.
//
// The subscription is a Readable, but its async iterator does not fit: the client reports a failed connection as
// an 'error' without ever ending the stream, and a consumer must be able to stop waiting when its signal aborts.

export interface SubscriptionInbox {
  /**
   * Up to `max` entries, waiting for at least one; undefined once `signal` aborts. Throws what the subscription failed
   * with.
   */
  take(max: number, signal: AbortSignal): Promise<AllStreamResolvedEvent[] | undefined>;
  dispose(): void;
}

export function subscriptionInbox(subscription: AllStreamSubscription, highWaterMark: number): SubscriptionInbox {
  const buffered: AllStreamResolvedEvent[] = [];
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => wake?.();

  const onData = (entry: AllStreamResolvedEvent) => {
    buffered.push(entry);
    if (buffered.length >= highWaterMark) subscription.pause();
    notify();
  };
  const onError = (error: Error) => {
    failure ??= { error };
    notify();
  };
  const onEnd = () => {
    // A subscription never ends by itself: the server went away without saying so.
    failure ??= { error: new EventStoreUnavailable('the EventStoreDB subscription ended unexpectedly') };
    notify();
  };
  subscription.on('data', onData);
  subscription.on('error', onError);
  subscription.on('end', onEnd);

  function changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        wake = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  return {
    async take(max, signal) {
      // Entries that arrived before a failure are handed over first.
      while (buffered.length === 0 && !signal.aborted) {
        if (failure) throw failure.error;
        await changed(signal);
      }
      if (signal.aborted) return undefined;
      const entries = buffered.splice(0, max);
      if (buffered.length < highWaterMark && subscription.isPaused()) subscription.resume();
      return entries;
    },
    dispose() {
      subscription.off('data', onData);
      subscription.off('end', onEnd);
      // Keep swallowing errors: a late one (the cancelled call) must not crash the process as an unhandled 'error'.
      subscription.off('error', onError);
      subscription.on('error', () => {});
    },
  };
}
