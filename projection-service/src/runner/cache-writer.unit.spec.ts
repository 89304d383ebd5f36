import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, memoryCache, type Cache } from '@order-engine/shared';
import { cacheWriter, type CacheWriter } from './cache-writer.js';

/** A memory cache whose writes and deletes fail while `down` is set, as Redis out of reach would. */
function flakyCache() {
  const inner = memoryCache({ maxEntries: 1_000 });
  const state = { down: false };
  const unreachable = () => Promise.reject(new Error('cache unreachable'));
  const cache: Cache = {
    ...inner,
    set: (key, entry) => (state.down ? unreachable() : inner.set(key, entry)),
    deleteWithPrefix: (prefix) => (state.down ? unreachable() : inner.deleteWithPrefix(prefix)),
  };
  return { cache, state };
}

function logs() {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    logger: createLogger('debug', {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
  };
}

describe('cacheWriter', () => {
  const writers: CacheWriter[] = [];
  afterEach(() => writers.splice(0).forEach((writer) => writer.stop()));
  const start = (cache: Cache, logger = logs().logger, maxPending?: number) => {
    const writer = cacheWriter({ cache, logger, versionPrefix: 'catalog_v1:', retryMs: 10, maxPending });
    writers.push(writer);
    return writer;
  };

  it('writes what failed once the cache answers again, the newest entry per key, and warns once per outage', async () => {
    const { cache, state } = flakyCache();
    const { lines, logger } = logs();
    const writer = start(cache, logger);
    await writer.write([{ key: 'catalog_v1:product:a', entry: { version: 0, value: 'old' } }]);
    state.down = true;
    await writer.write([{ key: 'catalog_v1:product:a', entry: { version: 1, value: 'new' } }]);
    await writer.write([
      { key: 'catalog_v1:product:a', entry: { version: 2, value: 'newer' } },
      { key: 'catalog_v1:product:b', entry: { version: 0, value: 'b' } },
    ]);
    expect(writer.pending()).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50)); // retries fail meanwhile
    expect((await cache.get('catalog_v1:product:a'))?.value).toBe('old');

    state.down = false;
    await vi.waitFor(() => expect(writer.pending()).toBe(0));
    expect((await cache.get('catalog_v1:product:a'))?.value).toBe('newer');
    expect((await cache.get('catalog_v1:product:b'))?.value).toBe('b');
    expect(lines.filter((line) => line.level === 'warn').map((line) => line.msg)).toEqual([
      'cache writes failed; retrying them, readers may get older entries meanwhile',
    ]);
    expect(lines.some((line) => line.msg === 'failed cache writes went through')).toBe(true);
  });

  it('deletes every entry of the version instead when more writes failed than it keeps', async () => {
    const { cache, state } = flakyCache();
    const writer = start(cache, undefined, 2);
    await cache.set('catalog_v1:product:a', { version: 0, value: 'old' });
    await cache.set('orders_v1:order:x', { version: 0, value: 'other version' });
    state.down = true;
    await writer.write(
      ['b', 'c', 'a'].map((sku) => ({ key: `catalog_v1:product:${sku}`, entry: { version: 1, value: 'new' } })),
    );
    expect(writer.pending()).toBe(2);
    state.down = false;
    await vi.waitFor(async () => expect(await cache.get('catalog_v1:product:a')).toBeUndefined());
    expect(await cache.get('catalog_v1:product:b')).toBeUndefined();
    expect((await cache.get('orders_v1:order:x'))?.value).toBe('other version');
    expect(writer.pending()).toBe(0);
  });

  it('stops retrying when stopped', async () => {
    const { cache, state } = flakyCache();
    const writer = start(cache);
    state.down = true;
    await writer.write([{ key: 'catalog_v1:product:a', entry: { version: 1, value: 'new' } }]);
    writer.stop();
    state.down = false;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await cache.get('catalog_v1:product:a')).toBeUndefined();
  });
});
