import { Writable } from 'node:stream';
import type { RecordedEvent } from '@order-engine/shared';
import { describe, expect, it } from 'vitest';
import { writeEvents } from './write-events.js';

const event = (n: number): RecordedEvent => ({
  eventId: `id-${n}`,
  type: 'OrderPlaced',
  version: 1,
  streamId: 'order-1',
  revision: n,
  position: BigInt(n + 1),
  recordedAt: new Date(0),
  data: { n },
  metadata: {},
});

/** Pages of 10 events; records what the sink held each time the writer asked for another page. */
function source(pageCount: number, sink: () => Writable) {
  const state = { pulled: 0, bufferedAtPull: [] as number[], finished: false };
  async function* pages() {
    try {
      for (let p = 0; p < pageCount; p++) {
        state.bufferedAtPull.push(sink().writableLength);
        state.pulled++;
        yield Array.from({ length: 10 }, (_, i) => event(p * 10 + i));
      }
    } finally {
      state.finished = true;
    }
  }
  return { state, pages: pages() };
}

/** A sink that takes a chunk every few milliseconds and keeps a small buffer. */
function slowSink(received: string[] = []) {
  return new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk.toString());
      setTimeout(done, 2);
    },
  });
}

describe('writeEvents', () => {
  it('waits for the sink to drain before taking the next page', async () => {
    const received: string[] = [];
    const sink = slowSink(received);
    const { state, pages } = source(20, () => sink);
    const outcome = await writeEvents(sink, pages, 'ndjson');
    expect(outcome).toEqual({ events: 200, complete: true });
    // A page is asked for only once the sink has written out everything before it.
    expect(Math.max(...state.bufferedAtPull)).toBe(0);
    expect(
      received
        .join('')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).data.n),
    ).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('writes the CSV header first', async () => {
    const received: string[] = [];
    const sink = slowSink(received);
    await writeEvents(sink, source(1, () => sink).pages, 'csv');
    expect(received[0]).toBe('eventId,type,version,streamId,revision,position,recordedAt,data,metadata\r\n');
  });

  it('stops reading pages when the sink closes (the client went away)', async () => {
    const sink = slowSink();
    const { state, pages } = source(1_000, () => sink);
    setTimeout(() => sink.destroy(), 20);
    const outcome = await writeEvents(sink, pages, 'ndjson');
    expect(outcome.complete).toBe(false);
    expect(state.finished).toBe(true);
    expect(state.pulled).toBeLessThan(100);
  });

  it('stops when the signal aborts', async () => {
    const sink = slowSink();
    const controller = new AbortController();
    const { state, pages } = source(1_000, () => sink);
    const outcome = writeEvents(sink, pages, 'ndjson', {
      signal: controller.signal,
      onPage: (_page, written) => written >= 50 && controller.abort(),
    });
    expect(await outcome).toEqual({ events: 50, complete: false });
    expect(state.finished).toBe(true);
  });

  it('throws the error of a failing sink', async () => {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done(new Error('disk full')) });
    await expect(writeEvents(sink, source(100, () => sink).pages, 'ndjson')).rejects.toThrow('disk full');
  });
});
