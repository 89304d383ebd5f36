import type { Writable } from 'node:stream';

// Progress on stderr: one line rewritten in place (carriage return) a few times a second on a terminal; on a pipe
// or a log file only the closing summary, so logs do not fill up with redraws.

const REDRAW_MS = 250;

export interface Progress {
  /** The current state; shown at most every 250 ms. */
  update(text: () => string): void;
  /** The final line, always shown. */
  done(text: string): void;
}

export function progressLine(stderr: Writable, now: () => number = Date.now): Progress {
  const interactive = (stderr as { isTTY?: boolean }).isTTY === true;
  let shownAt = 0;
  let drawn = false;
  return {
    update(text) {
      if (!interactive || now() - shownAt < REDRAW_MS) return;
      shownAt = now();
      drawn = true;
      stderr.write(`\r${text()}\u001b[K`);
    },
    done(text) {
      stderr.write(`${drawn ? '\r' : ''}${text}${drawn ? '\u001b[K' : ''}\n`);
    },
  };
}

/** "1,234,567" */
export const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** "150,000 events in 2.0 s (75,000 events/s)", since `startedAt`. */
export function rate(events: number, startedAt: number, now: number = Date.now()): string {
  const seconds = Math.max((now - startedAt) / 1_000, 0.001);
  return `${count(events)} events in ${seconds.toFixed(1)} s (${count(events / seconds)} events/s)`;
}

/**
 * How far a run that started after `after` is through the positions up to `head`: positions are dense on PostgreSQL.
 */
export function through(position: bigint, after: bigint, head: bigint): string {
  if (head <= after) return '100%';
  return `${Math.min(100, Number(((position - after) * 1000n) / (head - after)) / 10).toFixed(1)}%`;
}
