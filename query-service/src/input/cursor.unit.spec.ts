import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cursorParam, encodeCursor, toPage } from './cursor.js';
import { isoDayParam, isoInstantMicros, limitParam } from './params.js';

describe('cursors', () => {
  const param = cursorParam(z.object({ sku: z.string() }));

  it('decode what they encode', () => {
    expect(param.parse(encodeCursor({ sku: 'HAM-1' }))).toEqual({ sku: 'HAM-1' });
  });

  it('refuse anything else', () => {
    for (const text of [
      '',
      '!!',
      'e30',
      encodeCursor({ sku: 1 }),
      encodeCursor(['HAM-1']),
      Buffer.from('{"sku":').toString('base64url'),
      'A'.repeat(513),
    ]) {
      expect(param.safeParse(text).success, text).toBe(false);
    }
  });

  it('point at the last item served, and only when a row beyond the page was fetched', () => {
    const key = (n: number) => ({ n });
    const full = toPage([1, 2, 3], 2, (n) => n * 10, key);
    expect(full).toEqual({ items: [10, 20], nextCursor: encodeCursor({ n: 2 }) });
    expect(toPage([1, 2], 2, (n) => n, key).nextCursor).toBeNull();
    expect(toPage([], 2, (n) => n, key)).toEqual({ items: [], nextCursor: null });
  });
});

describe('query parameters', () => {
  it('limit is 1..200 in plain digits, 50 by default', () => {
    expect(limitParam.parse(undefined)).toBe(50);
    expect(limitParam.parse('1')).toBe(1);
    expect(limitParam.parse('200')).toBe(200);
    for (const bad of ['0', '201', '1e2', ' 5', '0x10', '', '-1', '2.5'])
      expect(limitParam.safeParse(bad).success, bad).toBe(false);
  });

  it('days must exist on the calendar', () => {
    expect(isoDayParam.safeParse('2024-02-29').success).toBe(true);
    for (const bad of ['2026-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '2026-1-1', '26-01-01'])
      expect(isoDayParam.safeParse(bad).success, bad).toBe(false);
  });

  it('cursor instants are UTC with microseconds and must exist', () => {
    expect(isoInstantMicros.safeParse('2026-01-15T10:00:00.123456Z').success).toBe(true);
    for (const bad of [
      '2026-01-15T10:00:00.123Z',
      '2026-02-30T10:00:00.000000Z',
      '2026-01-15T25:00:00.000000Z',
      '2026-01-15T10:00:00.000000+01:00',
    ]) {
      expect(isoInstantMicros.safeParse(bad).success, bad).toBe(false);
    }
  });
});
