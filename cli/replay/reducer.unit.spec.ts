import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RecordedEvent } from '@order-engine/shared';
import { describe, expect, it } from 'vitest';
import { CliFailure } from '../command.js';
import { scratchDirectory } from '../testing.js';
import { loadReducer, resultJson, runReducer } from './reducer.js';

/** Writes a module into a fresh directory and returns its URL. */
function moduleFile(source: string): URL {
  const file = join(scratchDirectory(), 'reducer.mjs');
  writeFileSync(file, source);
  return pathToFileURL(file);
}

const stored = (
  position: number,
  type = 'OrderConfirmed',
  data: unknown = { orderId: `o-${position}` },
): RecordedEvent => ({
  eventId: `e-${position}`,
  type,
  version: 1,
  streamId: `order-o-${position}`,
  revision: 0,
  position: BigInt(position),
  recordedAt: new Date(Date.UTC(2026, 2, 1, 0, 0, position)),
  data,
  metadata: {},
});

async function* pagesOf(...pages: RecordedEvent[][]) {
  yield* pages;
}

describe('loadReducer', () => {
  it('takes named exports, or a default export holding them; a plain init value is copied for each run', async () => {
    const named = await loadReducer(
      moduleFile(
        'export const init = () => 0; export const reduce = (n) => n + 1; export const types = ["OrderConfirmed"];',
      ),
    );
    expect(named.types).toEqual(['OrderConfirmed']);
    const byDefault = await loadReducer(
      moduleFile(
        'export default { init: { seen: [] }, reduce: (a, e) => (a.seen.push(e.position), a), done: (a) => a.seen };',
      ),
    );
    expect((await runReducer(byDefault, pagesOf([stored(1), stored(2)]))).result).toEqual(['1', '2']);
    expect((await runReducer(byDefault, pagesOf([stored(3)]))).result).toEqual(['3']);
  });

  it('says what a module lacks to be a reducer, and why it cannot be loaded', async () => {
    await expect(
      loadReducer(moduleFile('export const init = 1; export const done = 3; export const types = ["Nope"];')),
    ).rejects.toThrow(
      /is not a reducer:\n {2}- export a function reduce\(accumulator, event\)\n {2}- done, when exported, must be a function\n {2}- types, when exported, must list known event types/,
    );
    await expect(loadReducer(moduleFile('this is not javascript'))).rejects.toThrow(
      /cannot load the reducer .*reducer\.mjs/,
    );
    await expect(loadReducer(pathToFileURL('/no/such/reducer.js'))).rejects.toBeInstanceOf(CliFailure);
  });
});

describe('runReducer', () => {
  it('hands the reducer decoded events, with the position as a string and recordedAt as a Date', async () => {
    const reducer = await loadReducer(
      moduleFile('export const init = () => []; export const reduce = (all, e) => [...all, e];'),
    );
    const { result, events } = await runReducer(reducer, pagesOf([stored(1)], [stored(2)]));
    expect(events).toBe(2);
    expect(result).toEqual([
      expect.objectContaining({
        type: 'OrderConfirmed',
        position: '1',
        data: { orderId: 'o-1' },
        recordedAt: new Date('2026-03-01T00:00:01Z'),
      }),
      expect.objectContaining({ position: '2' }),
    ]);
  });

  it('names the event a reducer failed on, or that cannot be decoded', async () => {
    const failing = await loadReducer(
      moduleFile(
        'export const init = 0; export const reduce = (n, e) => { if (e.position === "2") throw new Error("boom"); return n; };',
      ),
    );
    await expect(runReducer(failing, pagesOf([stored(1), stored(2)]))).rejects.toThrow(
      /the reducer failed on the event at position 2 \(OrderConfirmed in order-o-2\):\nError: boom/,
    );
    const counting = await loadReducer(moduleFile('export const init = 0; export const reduce = (n) => n + 1;'));
    await expect(runReducer(counting, pagesOf([stored(1, 'OrderConfirmed', { id: 1 })]))).rejects.toThrow(
      /cannot decode the event at position 1/,
    );
    await expect(runReducer(counting, pagesOf([stored(1, 'SomethingElse')]))).rejects.toThrow(/unknown event type/);
  });

  it('refuses an asynchronous reduce', async () => {
    const reducer = await loadReducer(moduleFile('export const init = 0; export const reduce = async (n) => n + 1;'));
    await expect(runReducer(reducer, pagesOf([stored(1)]))).rejects.toThrow(/reduce must be synchronous/);
  });

  it('stops when the signal aborts, without a result', async () => {
    const reducer = await loadReducer(moduleFile('export const init = 0; export const reduce = (n) => n + 1;'));
    const controller = new AbortController();
    const outcome = await runReducer(reducer, pagesOf([stored(1)], [stored(2)], [stored(3)]), {
      signal: controller.signal,
      onPage: () => controller.abort(),
    });
    expect(outcome).toEqual({ result: undefined, events: 1, complete: false });
  });
});

describe('resultJson', () => {
  it('writes bigints as strings, Maps as objects and Sets as arrays', () => {
    expect(JSON.parse(resultJson({ p: 2n ** 64n, m: new Map([['a', 1]]), s: new Set([1, 2]) }))).toEqual({
      p: '18446744073709551616',
      m: { a: 1 },
      s: [1, 2],
    });
    expect(resultJson(undefined)).toBe('null');
  });
});
