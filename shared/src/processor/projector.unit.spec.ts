import { describe, expect, it } from 'vitest';
import type { EventFeed } from '../bus/event-feed.js';
import type { GlobalPosition, RecordedEvent } from '../event-store/event-store.js';
import { silentLogger } from '../logging/logger.js';
import { eventAt, historyFeed, partitionedFeed, until } from '../testing/feeds.js';
import { processor, type SourceBatch } from './processor.js';
import { projector, type Applied, type ProjectorCheckpointRow } from './projector.js';

// The projector's guarantees, on the processor: rows and checkpoints in one transaction, writes after the commit,
// and re-caching after a crash between the two. A read model in memory stands for the database: a transaction is one
// synchronous step, so it commits whole or not at all.

interface Write {
  key: string;
  version: number;
}

/** A read model keeping each stream's revision, its checkpoint rows, and a version-guarded cache. */
function memoryReadModel() {
  const rows = new Map<string, number>();
  const checkpoints = new Map<string, { position: GlobalPosition; previous: GlobalPosition }>();
  const cache = new Map<string, number>();
  const log: string[] = [];
  const state = { failTransactions: 0, loseWrites: false };
  const rowsOf = (events: readonly RecordedEvent[]): Write[] =>
    [...new Set(events.map((e) => e.streamId))].map((key) => ({ key, version: rows.get(key)! }));

  async function apply(sources: readonly SourceBatch[]): Promise<Applied<Write>> {
    await Promise.resolve();
    if (state.failTransactions-- > 0) throw new Error('connection lost');
    const appliedBefore: RecordedEvent[] = [];
    const changed: RecordedEvent[] = [];
    for (const { source, events, through } of sources) {
      const row = checkpoints.get(source) ?? { position: 0n, previous: 0n };
      for (const event of events) {
        if (event.position <= row.position) appliedBefore.push(event);
        else if (event.revision > (rows.get(event.streamId) ?? -1)) {
          rows.set(event.streamId, event.revision);
          changed.push(event);
        }
      }
      if (through > row.position) checkpoints.set(source, { position: through, previous: row.position });
    }
    log.push(`commit ${sources.map(({ through }) => through).join(',')}`);
    return { writes: rowsOf(changed), appliedBefore, deadLettered: 0 };
  }

  const afterCommit = {
    rowsOf: async (events: readonly RecordedEvent[]) => rowsOf(events),
    write: async (writes: readonly Write[]) => {
      log.push(`write ${writes.map(({ key, version }) => `${key}@${version}`).join(',')}`);
      if (state.loseWrites) return;
      for (const { key, version } of writes) if (version > (cache.get(key) ?? -1)) cache.set(key, version);
    },
  };

  const readRows = async (name: string) =>
    new Map<string, ProjectorCheckpointRow>(
      [...checkpoints]
        .filter(([key]) => key.split('#')[0] === name)
        .map(([key, { position, previous }]) => [key, { position, uncachedAfter: previous }]),
    );

  return { rows, checkpoints, cache, log, state, apply, afterCommit, readRows };
}

const fast = { initialMs: 5, maxMs: 20 };

describe('projector', () => {
  /** A processor with a projector over the read model; `afters` records where each subscription started. */
  function projecting(model: ReturnType<typeof memoryReadModel>, feed: EventFeed, afters: bigint[] = []) {
    return processor({
      name: 'test',
      feed: (after, signal, checkpointOf) => (afters.push(after), feed(after, signal, checkpointOf)),
      logger: silentLogger,
      backoff: fast,
      ...projector({ readRows: model.readRows, apply: model.apply, afterCommit: model.afterCommit }),
    });
  }

  it('applies each round with its checkpoint in one transaction, then writes the cache', async () => {
    const model = memoryReadModel();
    const projecting1 = projecting(model, historyFeed([[eventAt(1), eventAt(2, 'product-B', 0)], [eventAt(3)]]));
    projecting1.start();
    await until(() => projecting1.status().position === 3n);
    await projecting1.stop();
    expect(model.log).toEqual(['commit 2', 'write product-A@0,product-B@0', 'commit 3', 'write product-A@2']);
    expect(model.checkpoints.get('test')).toEqual({ position: 3n, previous: 2n });
    expect(model.cache).toEqual(
      new Map([
        ['product-A', 2],
        ['product-B', 0],
      ]),
    );
  });

  it('tells its position once read, then after each round once its cache writes are done', async () => {
    const model = memoryReadModel();
    const told: string[] = [];
    const projecting1 = processor({
      name: 'test',
      feed: historyFeed([[eventAt(1), eventAt(2)], [eventAt(3)]]),
      logger: silentLogger,
      onAdvance: (position) => void told.push(`${position} cached A@${model.cache.get('product-A')}`),
      ...projector({ readRows: model.readRows, apply: model.apply, afterCommit: model.afterCommit }),
    });
    projecting1.start();
    await until(() => projecting1.status().position === 3n);
    await projecting1.stop();
    expect(told).toEqual(['0 cached A@undefined', '2 cached A@1', '3 cached A@2']);
  });

  it('retries a failed transaction from the checkpoint, applying every event once', async () => {
    const model = memoryReadModel();
    model.state.failTransactions = 1;
    const afters: bigint[] = [];
    const projecting1 = projecting(model, historyFeed([[eventAt(1)], [eventAt(2)]]), afters);
    projecting1.start();
    await until(() => projecting1.status().position === 2n);
    await projecting1.stop();
    expect(afters).toEqual([0n, 0n]);
    expect(model.log).toEqual(['commit 1', 'write product-A@0', 'commit 2', 'write product-A@1']);
    expect(projecting1.status().counters).toMatchObject({ rounds: 2, failures: 1 });
  });

  it('after a crash between a commit and its cache writes, resumes before that transaction and caches its rows again, as they are now', async () => {
    const model = memoryReadModel();
    const history = [[eventAt(1)], [eventAt(2), eventAt(3)]];
    const first = projecting(model, historyFeed(history.slice(0, 1)));
    first.start();
    await until(() => first.status().position === 1n);
    await first.stop();
    // The next transaction commits, and its cache writes die with the process.
    model.state.loseWrites = true;
    const crashed = projecting(model, historyFeed(history));
    crashed.start();
    await until(() => crashed.status().position === 3n);
    await crashed.stop();
    expect(model.cache.get('product-A')).toBe(0);

    model.state.loseWrites = false;
    model.log.length = 0;
    const afters: bigint[] = [];
    const restarted = projecting(model, historyFeed(history), afters);
    restarted.start();
    await until(() => model.cache.get('product-A') === 2);
    await restarted.stop();
    expect(afters).toEqual([1n]);
    // Nothing applied again: the rows are written to the cache as they are.
    expect(model.log).toEqual(['write product-A@2']);
    expect(model.checkpoints.get('test')).toEqual({ position: 3n, previous: 1n });
  });

  it('on a partitioned feed, caches again what a source brings back after its last complete run, with new events or without, and nothing older', async () => {
    const model = memoryReadModel();
    const [a1, b2, a3, b4] = [eventAt(1, 'A', 0), eventAt(2, 'B', 0), eventAt(3, 'A', 1), eventAt(4, 'B', 1)];
    model.state.loseWrites = true;
    const crashed = projecting(
      model,
      partitionedFeed([
        [{ events: [a1, b2], partition: 0, through: 2n }],
        [{ events: [a3], partition: 0, through: 3n }],
      ]),
    );
    crashed.start();
    await until(() => model.checkpoints.get('test#p0')?.position === 3n);
    await crashed.stop();
    model.state.loseWrites = false;
    model.log.length = 0;

    // The next owner gets both rounds again (from the committed offsets), then a round with old and new events.
    const next = projecting(
      model,
      partitionedFeed([
        [{ events: [a1, b2], partition: 0, through: 2n }],
        [{ events: [a3], partition: 0, through: 3n }],
        [{ events: [a3, b4], partition: 0, through: 4n }],
      ]),
    );
    next.start();
    await until(() => model.checkpoints.get('test#p0')?.position === 4n);
    await next.stop();
    // a1 and b2 were committed by a transaction before the last: their writes are not the ones at risk.
    expect(model.log).toEqual(['write A@1', 'commit 4', 'write B@1']);
  });

  it('caches the rows of events another worker applied meanwhile (the transaction finds its rows past them)', async () => {
    const model = memoryReadModel();
    model.rows.set('product-A', 1);
    model.checkpoints.set('test', { position: 2n, previous: 0n });
    // This worker read its rows before the other one committed.
    let reads = 0;
    const projecting1 = processor({
      name: 'test',
      feed: historyFeed([[eventAt(1), eventAt(2), eventAt(3)]]),
      logger: silentLogger,
      ...projector({
        readRows: async (name) => (reads++ === 0 ? new Map() : model.readRows(name)),
        apply: model.apply,
        afterCommit: model.afterCommit,
      }),
    });
    projecting1.start();
    await until(() => projecting1.status().position === 3n);
    await projecting1.stop();
    expect(model.log).toEqual(['commit 3', 'write product-A@2,product-A@2']);
  });

  it('stop() mid-round drains: the transaction in hand commits and its cache writes are made', async () => {
    const model = memoryReadModel();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const apply = model.apply;
    const projecting1 = processor({
      name: 'test',
      feed: historyFeed([[eventAt(1)], [eventAt(2)]]),
      logger: silentLogger,
      ...projector({
        readRows: model.readRows,
        apply: async (sources) => (await held, apply(sources)),
        afterCommit: model.afterCommit,
      }),
    });
    projecting1.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stopping = projecting1.stop();
    release();
    await stopping;
    expect(model.log).toEqual(['commit 1', 'write product-A@0']);
  });

  it('without writes after its commits, resumes from the checkpoint', async () => {
    const model = memoryReadModel();
    model.checkpoints.set('test', { position: 2n, previous: 1n });
    const afters: bigint[] = [];
    const replaying = processor({
      name: 'test',
      feed: (after, signal) => (
        afters.push(after),
        historyFeed([[eventAt(1), eventAt(2)], [eventAt(3)]])(after, signal)
      ),
      logger: silentLogger,
      ...projector({ readRows: model.readRows, apply: model.apply }),
    });
    replaying.start();
    await until(() => replaying.status().position === 3n);
    await replaying.stop();
    expect(afters).toEqual([2n]);
    expect(model.log).toEqual(['commit 3']);
  });
});
