import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cache } from './cache.js';

// The behaviour every Cache adapter must have. memory-cache.contract.unit.spec.ts and redis-cache.int.spec.ts call it.

/** Returns an empty cache (for a shared server: one under a fresh key prefix) and how to remove what it wrote. */
export type MakeCache = () => Promise<{ cache: Cache; cleanup?: () => Promise<void> }>;

export function cacheContract(name: string, makeCache: MakeCache): void {
  describe(`${name}: cache contract`, () => {
    let cache: Cache;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ cache, cleanup } = await makeCache());
    });

    afterEach(async () => {
      await cache.close();
      await cleanup?.();
    });

    it('returns undefined for a key it does not hold', async () => {
      expect(await cache.get('product:missing')).toBeUndefined();
    });

    it('returns the version and value that were set', async () => {
      expect(
        await cache.set('order:1', {
          version: 3,
          value: { status: 'placed', lines: [{ sku: 'a', qty: 2 }], note: null },
        }),
      ).toBe(true);
      expect(await cache.get('order:1')).toEqual({
        version: 3,
        value: { status: 'placed', lines: [{ sku: 'a', qty: 2 }], note: null },
      });
    });

    it('gives an entry as the JSON text it holds, ready to send', async () => {
      const value = { sku: 'a', name: 'Crème 🍮', lines: [1, 2], note: null };
      await cache.set('product:a', { version: 3, value });
      expect(await cache.getJson('product:a')).toEqual({ version: 3, json: JSON.stringify(value) });
      expect(await cache.getJson('product:missing')).toBeUndefined();
    });

    it('round-trips any JSON value: strings, numbers, booleans, null, arrays', async () => {
      const values = ['text', 42, -1.5, true, false, null, [], [1, 'two', { three: 3 }], {}];
      for (const [index, value] of values.entries()) await cache.set(`k${index}`, { version: 0, value });
      for (const [index, value] of values.entries())
        expect(await cache.get(`k${index}`)).toEqual({ version: 0, value });
    });

    it('keeps keys apart', async () => {
      await cache.set('product:a', { version: 1, value: 'a' });
      await cache.set('product:b', { version: 9, value: 'b' });
      expect(await cache.get('product:a')).toEqual({ version: 1, value: 'a' });
      expect(await cache.get('product:b')).toEqual({ version: 9, value: 'b' });
    });

    it('never replaces an entry with an older or equal version', async () => {
      expect(await cache.set('k', { version: 5, value: 'five' })).toBe(true);
      expect(await cache.set('k', { version: 4, value: 'four' })).toBe(false);
      expect(await cache.set('k', { version: 5, value: 'five again' })).toBe(false);
      expect(await cache.get('k')).toEqual({ version: 5, value: 'five' });
      expect(await cache.set('k', { version: 6, value: 'six' })).toBe(true);
      expect(await cache.get('k')).toEqual({ version: 6, value: 'six' });
    });

    it('keeps the position an entry was written with; an equal version only adds one the entry lacked', async () => {
      expect(await cache.set('order:1', { version: 2, value: 'two' })).toBe(true);
      expect(await cache.getJson('order:1')).toEqual({ version: 2, json: '"two"' });
      expect(await cache.set('order:1', { version: 2, value: 'two', position: 41n })).toBe(true);
      expect(await cache.set('order:1', { version: 2, value: 'two', position: 45n })).toBe(false);
      expect(await cache.set('order:1', { version: 2, value: 'two' })).toBe(false);
      expect(await cache.get('order:1')).toEqual({ version: 2, value: 'two', position: 41n });
      expect(await cache.getJson('order:1')).toEqual({ version: 2, json: '"two"', position: 41n });
      // A newer version without a position (a fill from PostgreSQL) does not keep the old one.
      expect(await cache.set('order:1', { version: 3, value: 'three' })).toBe(true);
      expect((await cache.getJson('order:1'))?.position).toBeUndefined();
    });

    it('ends with the highest version when 50 writers race with shuffled versions', async () => {
      const versions = shuffled(Array.from({ length: 50 }, (_, version) => version));
      const written = await Promise.all(versions.map((version) => cache.set('k', { version, value: { version } })));
      expect(written.some(Boolean)).toBe(true);
      expect(await cache.get('k')).toEqual({ version: 49, value: { version: 49 } });
      expect(await cache.set('k', { version: 48, value: { version: 48 } })).toBe(false);
    });

    it('forgets a deleted key, and then accepts any version', async () => {
      await cache.set('k', { version: 5, value: 'five' });
      await cache.delete('k');
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.set('k', { version: 0, value: 'zero' })).toBe(true);
      expect(await cache.get('k')).toEqual({ version: 0, value: 'zero' });
    });

    it('ignores the delete of a key it does not hold', async () => {
      await expect(cache.delete('never-set')).resolves.toBeUndefined();
    });

    it('deletes every key under a prefix, taking its characters literally, and only those', async () => {
      const doomed = ['catalog_v1:product:a', 'catalog_v1:product:b', 'catalog_v1:order:*'];
      const kept = [
        'catalog_v2:product:a',
        'catalog_v10:product:a',
        'xcatalog_v1:product:a',
        'catalog_v1',
        'catalog_v1?product:a',
      ];
      for (const key of [...doomed, ...kept]) await cache.set(key, { version: 1, value: key });
      expect(await cache.deleteWithPrefix('catalog_v1:')).toBe(doomed.length);
      for (const key of doomed) expect(await cache.get(key)).toBeUndefined();
      for (const key of kept) expect(await cache.get(key)).toEqual({ version: 1, value: key });
      // Glob characters match only themselves.
      await cache.set('a*b:1', { version: 1, value: 1 });
      await cache.set('a?b[c]\\:2', { version: 1, value: 2 });
      expect(await cache.deleteWithPrefix('a*')).toBe(1);
      expect(await cache.deleteWithPrefix('a?b[c]\\')).toBe(1);
      expect(await cache.deleteWithPrefix('catalog_v1:')).toBe(0);
      expect(await cache.get('catalog_v2:product:a')).toEqual({ version: 1, value: 'catalog_v2:product:a' });
    });

    it('keeps unicode text and large values intact', async () => {
      const name = 'Crème brûlée — 日本語 🍮 \u0000 \u2028 "quoted" \\ backslash';
      const large = { name, lines: Array.from({ length: 20_000 }, (_, i) => ({ sku: `sku-${i}`, name, qty: i })) };
      await cache.set('product:ünïcødé 🍮', { version: 1, value: name });
      await cache.set('order:large', { version: 1, value: large });
      expect(await cache.get('product:ünïcødé 🍮')).toEqual({ version: 1, value: name });
      expect(await cache.get('order:large')).toEqual({ version: 1, value: large });
    });

    it('keeps its own copy of values', async () => {
      const value = { lines: [1, 2] };
      await cache.set('k', { version: 0, value });
      value.lines.push(3);
      const got = await cache.get<{ lines: number[] }>('k');
      got!.value.lines.push(4);
      expect((await cache.get('k'))!.value).toEqual({ lines: [1, 2] });
    });

    it('rejects calls after close', async () => {
      await cache.close();
      await expect(cache.get('k')).rejects.toThrow(/closed/);
      await expect(cache.getJson('k')).rejects.toThrow(/closed/);
      await expect(cache.set('k', { version: 1, value: 1 })).rejects.toThrow(/closed/);
    });
  });
}

function shuffled<T>(items: T[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}
