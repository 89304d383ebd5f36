import type { EventFeed, FeedRound } from '../bus/event-feed.js';
import type { RecordedEvent } from '../event-store/event-store.js';

// Feeds over fixed histories, for specs of the processor and its handlers.

/** An event of stream `streamId` at `position` (revision = position - 1 unless given). */
export const eventAt = (position: number, streamId = 'product-A', revision = position - 1): RecordedEvent => ({
  eventId: `e-${position}`,
  type: 'StockAdded',
  version: 1,
  streamId,
  revision,
  position: BigInt(position),
  recordedAt: new Date(0),
  data: { sku: 'A', quantity: 1 },
  metadata: {},
});

const aborted = (signal: AbortSignal) =>
  new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));

/** A feed over a fixed history that then waits (like a caught-up subscription) until aborted. */
export const historyFeed = (history: RecordedEvent[][]): EventFeed =>
  async function* (after, signal) {
    for (const batch of history) {
      const fresh = batch.filter((e) => e.position > after);
      if (fresh.length > 0) yield [{ events: fresh, through: fresh.at(-1)!.position }];
    }
    await aborted(signal);
  };

/** A feed as Kafka gives it: rounds of batches tagged with their partition, watermarks as batches without events. */
export const partitionedFeed = (rounds: FeedRound[]): EventFeed =>
  async function* (_after, signal) {
    yield* rounds;
    await aborted(signal);
  };

/** Resolves once condition holds; rejects after timeoutMs. */
export const until = async (condition: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
