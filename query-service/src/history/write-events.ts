import type { Writable } from 'node:stream';
import type { RecordedEvent } from '@order-engine/shared';
import { eventFormats } from './formats.js';
import type { HistoryFormat } from './params.js';

// Writes pages of events to a sink (an HTTP response, a file, stdout) at the pace the sink takes them: when its
// buffer is full, the next page is not read until it drains. A slow client therefore slows the store reads down
// instead of piling history up in memory, and a client that goes away stops the reads.

export interface WriteEventsOptions {
  /** Aborting stops the export after the page being written. */
  signal?: AbortSignal;
  /** Called after each page with the page and the count so far (progress). */
  onPage?(page: readonly RecordedEvent[], written: number): void;
}

export interface WriteOutcome {
  events: number;
  /** False when the export stopped early: the signal aborted or the sink closed (the client went away). */
  complete: boolean;
}

/** Writes the header and every page; the caller ends the sink. Throws the sink's error, if it fails. */
export async function writeEvents(
  sink: Writable,
  pages: AsyncIterable<readonly RecordedEvent[]>,
  format: HistoryFormat,
  options: WriteEventsOptions = {},
): Promise<WriteOutcome> {
  const { header, page: serialise } = eventFormats[format];
  const stopped = new AbortController();
  let failure: unknown;
  const onClose = () => stopped.abort();
  // Without a listener a write error would be thrown as an uncaught 'error' event.
  const onError = (error: unknown) => {
    failure ??= error;
    stopped.abort();
  };
  sink.on('close', onClose).on('error', onError);
  const signal = options.signal ? AbortSignal.any([options.signal, stopped.signal]) : stopped.signal;
  let written = 0;
  try {
    if (sink.destroyed || sink.writableEnded) stopped.abort();
    if (header && !signal.aborted && !sink.write(header)) await drained(sink, signal);
    // Leaving the loop early ends the page generator, so no further page is read.
    for await (const page of pages) {
      if (signal.aborted) break;
      const fits = sink.write(serialise(page));
      written += page.length;
      options.onPage?.(page, written);
      if (!fits) await drained(sink, signal);
    }
    if (failure !== undefined) throw failure;
    return { events: written, complete: !signal.aborted };
  } finally {
    sink.off('close', onClose).off('error', onError);
  }
}

/** Resolves on 'drain', or at once when the export is stopped (a closed sink never drains). */
function drained(sink: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      sink.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    sink.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
