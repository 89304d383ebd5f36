import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressLine, rate, through } from './progress.js';

function stderr(isTTY: boolean) {
  const written: string[] = [];
  const stream = Object.assign(
    new Writable({ write: (chunk: Buffer, _encoding, done) => (written.push(chunk.toString()), done()) }),
    { isTTY },
  );
  return { stream, written };
}

describe('progressLine', () => {
  it('redraws one line on a terminal, at most every 250 ms, and ends it with the summary', () => {
    const { stream, written } = stderr(true);
    let now = 1_000;
    const progress = progressLine(stream, () => now);
    progress.update(() => 'a');
    progress.update(() => 'b'); // too soon
    now += 250;
    progress.update(() => 'c');
    progress.done('done');
    expect(written).toEqual(['\ra\u001b[K', '\rc\u001b[K', '\rdone\u001b[K\n']);
  });

  it('writes only the summary on a pipe or a log file', () => {
    const { stream, written } = stderr(false);
    const progress = progressLine(stream, () => 10_000);
    progress.update(() => 'a');
    progress.done('done');
    expect(written).toEqual(['done\n']);
  });
});

describe('figures', () => {
  it('gives a rate and how far through $all a run is', () => {
    expect(rate(150_000, 0, 2_000)).toBe('150,000 events in 2.0 s (75,000 events/s)');
    expect(through(550n, 50n, 1_050n)).toBe('50.0%');
    expect(through(5n, 5n, 5n)).toBe('100%');
  });
});
