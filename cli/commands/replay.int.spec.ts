import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryEventStore, type EventStore, type ReadAllOptions } from '@order-engine/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { knownHistory } from '../../examples/known-history.js';
import { runWith, scratchDirectory } from '../testing.js';

// `replay --reducer FILE` over an event store holding the examples' known history (recorded now, so only the
// time-independent example is compared with its unit spec's figures).

let store: EventStore;
let reads: ReadAllOptions[];
const examples = join(import.meta.dirname, '../../examples');

beforeEach(async () => {
  const memory = memoryEventStore();
  for (const event of knownHistory())
    await memory.append(event.streamId, [{ type: event.type, version: event.version, data: event.data }]);
  reads = [];
  store = { ...memory, readAll: (options) => (reads.push(options ?? {}), memory.readAll(options)) };
});

describe('replay', () => {
  it("folds history through an example reducer, reading only the reducer's event types", async () => {
    const run = await runWith(['replay', '--reducer', join(examples, 'top-selling-products.js')], { store });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      { sku: 'lamp', units: 3, revenueCents: 7700, currency: 'EUR' },
      { sku: 'mug', units: 3, revenueCents: 2400, currency: 'EUR' },
      { sku: 'vase', units: 1, revenueCents: 4000, currency: 'EUR' },
    ]);
    expect(run.stderr).toMatch(/^replayed 13 events in/);
    expect(reads[0]!.filter?.types).toEqual([
      'OrderPlaced',
      'OrderPaid',
      'OrderRejected',
      'OrderCancelled',
      'OrderShipped',
    ]);
    expect(run.closed).toBe(true);
  });

  it('resolves the reducer from the directory the command was typed in, and --type overrides its types', async () => {
    const cwd = scratchDirectory();
    writeFileSync(
      join(cwd, 'count.mjs'),
      'export const init = () => ({}); export const reduce = (n, e) => ({ ...n, [e.type]: (n[e.type] ?? 0) + 1 });',
    );
    const run = await runWith(
      ['replay', '--reducer', './count.mjs', '--type', 'OrderPaid,OrderShipped', '--stream', 'order-o-'],
      { store, cwd },
    );
    expect(JSON.parse(run.stdout)).toEqual({ OrderPaid: 4, OrderShipped: 2 });
    expect(reads[0]!.filter).toEqual({ types: ['OrderPaid', 'OrderShipped'], streamPrefix: 'order-o-' });
  });

  it('fails with exit code 1 when the file is not a reducer, before opening the event store', async () => {
    const cwd = scratchDirectory();
    writeFileSync(join(cwd, 'nothing.mjs'), 'export const x = 1;');
    const run = await runWith(['replay', '--reducer', 'nothing.mjs'], { store, cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/nothing\.mjs is not a reducer/);
    expect(run.opened).toBe(false);
  });
});
