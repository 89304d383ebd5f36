import type { RecordedEvent, SubscribeOptions } from '../event-store.js';
import type { EsdbClient } from './client.js';
import { toEventStoreError } from './errors.js';
import { toRecordedEvent } from './event-mapping.js';
import { passes, serverFilter } from './filters.js';
import { commitPositionOf, toReadPosition } from './positions.js';
import { subscriptionInbox } from './subscription-inbox.js';

// ESDB's catch-up subscription to $all: the server reads history from the start position (exclusive), then
// switches to live events without a gap or a repeat, in $all order. Batches are what has arrived when the consumer
// asks, up to batchSize. Positions at or before the last one handed over are skipped as well, so a redelivery
// could never reach the consumer twice.

const defaultBatchSize = 500;

export async function* subscribeToAll(
  client: EsdbClient,
  options: SubscribeOptions,
  closed: AbortSignal,
): AsyncGenerator<RecordedEvent[]> {
  const signal = options.signal ? AbortSignal.any([options.signal, closed]) : closed;
  if (signal.aborted) return;
  const batchSize = options.batchSize ?? defaultBatchSize;
  let last = options.after ?? 0n;

  const subscription = client.subscribeToAll({
    fromPosition: toReadPosition(last),
    filter: serverFilter(options.filter),
  });
  const inbox = subscriptionInbox(subscription, Math.max(2 * batchSize, 64));
  try {
    for (;;) {
      const entries = await inbox.take(batchSize, signal).catch((error: unknown) => {
        throw toEventStoreError(error);
      });
      if (!entries) return;
      const batch: RecordedEvent[] = [];
      for (const resolved of entries) {
        const position = commitPositionOf(resolved);
        if (position === undefined || position <= last) continue;
        last = position;
        if (resolved.event && passes(resolved.event, options.filter)) batch.push(toRecordedEvent(resolved.event));
      }
      if (batch.length > 0) yield batch;
    }
  } finally {
    inbox.dispose();
    // Cancels the gRPC call; the client swallows the cancellation error it causes.
    await subscription.unsubscribe().catch(() => {});
    subscription.destroy();
  }
}
