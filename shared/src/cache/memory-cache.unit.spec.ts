import { describe, expect, it } from 'vitest';
import { memoryCache } from './memory-cache.js';

describe('memoryCache', () => {
  it('returns what was set, and undefined for a missing key', async () => {
    const cache = memoryCache({ maxEntries: 10 });
    await cache.set('product:a', { version: 1, value: { name: 'A' } });
    expect(await cache.get('product:a')).toEqual({ version: 1, value: { name: 'A' } });
    expect(await cache.get('product:b')).toBeUndefined();
  });

  it('replaces an entry only with a higher version', async () => {
    const cache = memoryCache({ maxEntries: 10 });
    expect(await cache.set('k', { version: 2, value: 'two' })).toBe(true);
    expect(await cache.set('k', { version: 1, value: 'one' })).toBe(false);
    expect(await cache.set('k', { version: 2, value: 'two again' })).toBe(false);
    expect(await cache.get('k')).toEqual({ version: 2, value: 'two' });
    expect(await cache.set('k', { version: 3, value: 'three' })).toBe(true);
    expect(await cache.get('k')).toEqual({ version: 3, value: 'three' });
  });

  it('accepts any version after a delete', async () => {
    const cache = memoryCache({ maxEntries: 10 });
    await cache.set('k', { version: 5, value: 'five' });
    await cache.delete('k');
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.set('k', { version: 0, value: 'zero' })).toBe(true);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = memoryCache({ maxEntries: 2 });
    await cache.set('a', { version: 0, value: 'a' });
    await cache.set('b', { version: 0, value: 'b' });
    await cache.get('a');
    await cache.set('c', { version: 0, value: 'c' });
    expect(await cache.get('a')).toBeDefined();
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('c')).toBeDefined();
  });

  it('keeps its own copy of values', async () => {
    const cache = memoryCache({ maxEntries: 10 });
    const value = { lines: [1, 2] };
    await cache.set('k', { version: 0, value });
    value.lines.push(3);
    const got = await cache.get<{ lines: number[] }>('k');
    got!.value.lines.push(4);
    expect((await cache.get('k'))!.value).toEqual({ lines: [1, 2] });
  });

  it('refuses use after close, like a lost connection would', async () => {
    const cache = memoryCache({ maxEntries: 10 });
    await cache.close();
    await expect(cache.get('k')).rejects.toThrow(/closed/);
  });
});
