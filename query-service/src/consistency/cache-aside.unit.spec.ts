import { memoryCache, silentLogger, type Cache, type Logger } from '@order-engine/shared';
import { describe, expect, it } from 'vitest';
import { cacheAside } from './cache-aside.js';

const view = (revision: number) => ({ id: 'x', revision });
const json = (revision: number) => JSON.stringify(view(revision));
const down = () => Promise.reject(new Error('down'));
const failing: Cache = {
  get: down,
  getJson: down,
  set: down,
  delete: down,
  deleteWithPrefix: down,
  close: async () => {},
};

describe('cache-aside reads', () => {
  it('load on a miss, store at the revision, then hit', async () => {
    const cache = memoryCache({ maxEntries: 10 });
    const cached = cacheAside({ cache, logger: silentLogger });
    let loads = 0;
    const load = async () => (loads++, view(3));
    expect(await cached.read('k', load)).toEqual({ json: json(3), cache: 'miss' });
    expect(await cached.read('k', load)).toEqual({ json: json(3), cache: 'hit' });
    expect(loads).toBe(1);
    expect(await cache.get('k')).toEqual({ version: 3, value: view(3) });
    expect(cached.counters()).toEqual({ hits: 1, misses: 1 });
  });

  it('bypass the lookup but still refresh, guarded by version', async () => {
    const cache = memoryCache({ maxEntries: 10 });
    await cache.set('k', { version: 1, value: view(1) });
    const cached = cacheAside({ cache, logger: silentLogger });
    expect(await cached.read('k', async () => view(2), { bypass: true })).toEqual({ json: json(2), cache: 'bypass' });
    expect((await cache.get('k'))?.version).toBe(2);
    await cached.read('k', async () => view(1), { bypass: true });
    expect((await cache.get('k'))?.version).toBe(2);
    expect(cached.counters()).toEqual({ hits: 0, misses: 0 });
  });

  it('do not store what does not exist', async () => {
    const cache = memoryCache({ maxEntries: 10 });
    const cached = cacheAside({ cache, logger: silentLogger });
    expect(await cached.read('k', async () => undefined)).toEqual({ json: undefined, cache: 'miss' });
    expect(await cache.get('k')).toBeUndefined();
  });

  it('turn a failing, throwing or hanging cache into a logged miss', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
    const throwing: Cache = {
      ...failing,
      getJson: () => {
        throw new Error('sync');
      },
    };
    const hanging: Cache = { ...failing, getJson: () => new Promise(() => {}), set: () => new Promise(() => {}) };
    for (const cache of [failing, throwing, hanging]) {
      const cached = cacheAside({ cache, logger, timeoutMs: 20 });
      expect(await cached.read('k', async () => view(1))).toEqual({ json: json(1), cache: 'miss' });
      expect(cached.counters()).toEqual({ hits: 0, misses: 1 });
    }
    expect(warnings).toHaveLength(6);
  });

  it('give each hanging call up at its own deadline, not before', async () => {
    const hanging: Cache = { ...failing, getJson: () => new Promise(() => {}), set: () => new Promise(() => {}) };
    const cached = cacheAside({ cache: hanging, logger: silentLogger, timeoutMs: 60 });
    const timed = async () => {
      const started = performance.now();
      await cached.read('k', async () => undefined);
      return { started, ended: performance.now() };
    };
    const first = timed();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [a, b] = await Promise.all([first, timed()]);
    for (const call of [a, b]) expect(call.ended - call.started).toBeGreaterThanOrEqual(59);
    expect(a.ended).toBeLessThan(b.ended);
  });
});
