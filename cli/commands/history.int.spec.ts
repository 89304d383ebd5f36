import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  encodeEvent,
  memoryEventStore,
  toEnvelope,
  type DomainEvent,
  type EventStore,
  type RecordedEvent,
} from '@order-engine/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseCsv } from '../../query-service/src/history/testing/csv.js';
import {
  cancelled,
  confirmed,
  lineReserved,
  placed,
  registered,
  stockAdded,
  stockReserved,
} from '../../query-service/src/history/testing/domain-events.js';
import { runWith, scratchDirectory } from '../testing.js';

// `history export` and `history show` against an event store (the memory one: the CLI's own opening of the
// configured store is specified in event-store.int.spec.ts).

let store: EventStore;
let events: RecordedEvent[];
let times: Date[];

async function appendApart(...groups: [string, DomainEvent[]][]) {
  for (const [streamId, domainEvents] of groups) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { events: recorded } = await store.append(
      streamId,
      domainEvents.map((event) => encodeEvent(event)),
    );
    times.push(recorded[0]!.recordedAt);
  }
}

beforeEach(async () => {
  store = memoryEventStore();
  times = [];
  await appendApart(
    ['product-lamp', [registered('lamp', 2500), stockAdded('lamp', 10)]],
    ['order-o-1', [placed('o-1', 'lamp', 2, 2500)]],
    ['product-lamp', [stockReserved('lamp', 'o-1', 2)]],
    ['order-o-1', [lineReserved('o-1', 'lamp', 2), confirmed('o-1')]],
    ['order-o-1', [cancelled('o-1')]],
  );
  events = await store.readAll();
});

const ndjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe('history export', () => {
  it('writes every event as NDJSON to stdout, with a summary on stderr', async () => {
    const run = await runWith(['history', 'export'], { store });
    expect(run.code).toBe(0);
    expect(ndjson(run.stdout)).toEqual(events.map(toEnvelope));
    expect(run.stderr).toMatch(/^exported 7 events in \d+\.\d s \([\d,]+ events\/s\)\n$/);
    expect(run.closed).toBe(true);
  });

  it('writes CSV to a file, resolved from the directory the command was typed in, and leaves no partial file', async () => {
    const cwd = scratchDirectory();
    const run = await runWith(['history', 'export', '--format', 'csv', '--out', 'history.csv'], { store, cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/ to .*history\.csv\n$/);
    const [header, ...rows] = parseCsv(readFileSync(join(cwd, 'history.csv'), 'utf8'));
    expect(header![0]).toBe('eventId');
    expect(rows.map((row) => row[0])).toEqual(events.map((e) => e.eventId));
    expect(readdirSync(cwd)).toEqual(['history.csv']);
  });

  it('applies the filters as the HTTP export does', async () => {
    const exported = async (...args: string[]) =>
      ndjson((await runWith(['history', 'export', ...args], { store })).stdout).map((e) => e.type);
    expect(await exported('--type', 'OrderPlaced', '--type', 'OrderCancelled')).toEqual([
      'OrderPlaced',
      'OrderCancelled',
    ]);
    expect(await exported('--type', 'OrderPlaced,StockAdded')).toEqual(['StockAdded', 'OrderPlaced']);
    expect(await exported('--stream', 'product-')).toEqual(['ProductRegistered', 'StockAdded', 'StockReserved']);
    expect(await exported('--from', times[3]!.toISOString())).toEqual([
      'OrderLineReserved',
      'OrderConfirmed',
      'OrderCancelled',
    ]);
    expect(await exported('--to', times[1]!.toISOString())).toEqual(['ProductRegistered', 'StockAdded']);
    expect(await exported('--after', '5', '--limit', '1')).toEqual(['OrderConfirmed']);
  });

  it('fails with a message when the file cannot be written', async () => {
    const run = await runWith(['history', 'export', '--out', 'no/such/directory/out.ndjson'], { store });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/export failed: ENOENT/);
    expect(run.closed).toBe(true);
  });

  it('stops on Ctrl-C, writing no file', async () => {
    const cwd = scratchDirectory();
    const interrupt = new AbortController();
    interrupt.abort();
    const run = await runWith(['history', 'export', '--out', 'out.ndjson'], { store, cwd, signal: interrupt.signal });
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/stopped after/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('history show', () => {
  it('prints an order as it was at a time, and as it is now', async () => {
    const between = await runWith(['history', 'show', 'order', 'o-1', '--at', times[3]!.toISOString()], { store });
    expect(between.code).toBe(0);
    expect(JSON.parse(between.stdout)).toMatchObject({
      streamId: 'order-o-1',
      revision: 2,
      state: { status: 'confirmed' },
    });
    const now = await runWith(['history', 'show', 'order', 'o-1'], { store });
    expect(JSON.parse(now.stdout).state.status).toBe('cancelled');
  });

  it('prints a product at a revision', async () => {
    const run = await runWith(['history', 'show', 'product', 'lamp', '--revision', '1'], { store });
    expect(JSON.parse(run.stdout).state).toMatchObject({ priceCents: 2500, onHand: 10, reservations: {} });
  });

  it('says so when the entity does not exist, or did not yet, and refuses a revision past the end', async () => {
    const unknown = await runWith(['history', 'show', 'order', 'o-9'], { store });
    expect([unknown.code, unknown.stderr]).toEqual([1, 'order o-9 does not exist\n']);
    const early = await runWith(['history', 'show', 'order', 'o-1', '--at', '2000-01-01'], { store });
    expect([early.code, early.stderr]).toEqual([1, 'order o-1 did not exist yet at 2000-01-01T00:00:00.000Z\n']);
    const beyond = await runWith(['history', 'show', 'order', 'o-1', '--revision', '9'], { store });
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toMatch(/--revision: order o-1 has revisions 0 to 3/);
  });
});
