import type { EventStore, RecordedEvent } from '@order-engine/shared';

// A read-only store of `total` events made up on demand: exports of any size without the memory to hold them, so
// a spec can watch what the exporter reads. Each event carries about a kilobyte of data.

const filler = 'x'.repeat(900);

export function syntheticEvent(position: number): RecordedEvent {
  return {
    eventId: `00000000-0000-4000-8000-${position.toString().padStart(12, '0')}`,
    type: 'OrderPlaced',
    version: 1,
    streamId: `order-${position % 1_000}`,
    revision: Math.floor(position / 1_000),
    position: BigInt(position),
    recordedAt: new Date(Date.UTC(2026, 0, 1) + position * 1_000),
    data: { n: position, filler },
    metadata: {},
  };
}

export function syntheticStore(total: number) {
  const reads = { pages: 0, events: 0 };
  const unsupported = () => Promise.reject(new Error('the synthetic store is read-only'));
  const store: EventStore = {
    async readAll(options = {}) {
      const first = Number(options.after ?? 0n) + 1;
      const last = Math.min(total, Number(options.to ?? BigInt(total)), first + (options.limit ?? total) - 1);
      const page: RecordedEvent[] = [];
      for (let position = first; position <= last; position++) page.push(syntheticEvent(position));
      reads.pages++;
      reads.events += page.length;
      return page;
    },
    headPosition: async () => BigInt(total),
    append: unsupported,
    readStream: unsupported,
    subscribeToAll: () => ({ [Symbol.asyncIterator]: () => ({ next: unsupported }) }),
    close: async () => {},
  };
  return { store, reads };
}
