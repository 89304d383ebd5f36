import { describe, expect, it } from 'vitest';
import { EventsQuery, parseInstant, PointQuery } from './params.js';

describe('parseInstant', () => {
  it.each([
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['2026-03-01T12:34Z', '2026-03-01T12:34:00.000Z'],
    ['2026-03-01T12:34:56Z', '2026-03-01T12:34:56.000Z'],
    ['2026-03-01T12:34:56.7Z', '2026-03-01T12:34:56.700Z'],
    ['2026-03-01T12:34:56.123456Z', '2026-03-01T12:34:56.123Z'],
    ['2026-03-01T13:34:56+01:00', '2026-03-01T12:34:56.000Z'],
    ['2026-03-01T00:30:00-02:30', '2026-03-01T03:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('reads %s as %s', (text, expected) => {
    expect(parseInstant(text)?.toISOString()).toBe(expected);
  });

  it.each([
    '',
    'now',
    '2026-3-1',
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-03-01T24:00Z',
    '2026-03-01T12:60Z',
    '2026-03-01T12:00:00',
    '2026-03-01 12:00:00Z',
    '2026-03-01T12:00:00+25:00',
    '2026-03-01T12:00:00z',
  ])('refuses %j', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});

describe('EventsQuery', () => {
  it('reads the filters into a range', () => {
    expect(
      EventsQuery.parse({
        type: ['OrderPaid', 'OrderPlaced,OrderPaid'],
        stream: 'order-',
        from: '2026-01-01',
        to: '2026-02-01',
        after: '42',
        limit: '10',
        format: 'csv',
      }),
    ).toEqual({
      types: ['OrderPaid', 'OrderPlaced'],
      streamPrefix: 'order-',
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-02-01T00:00:00Z'),
      after: 42n,
      limit: 10,
      format: 'csv',
    });
    expect(EventsQuery.parse({})).toEqual({ format: 'ndjson' });
  });
});

describe('PointQuery', () => {
  it('reads a time, a revision, or neither (now)', () => {
    expect(PointQuery.parse({ at: '2026-01-01' })).toEqual({ at: new Date('2026-01-01T00:00:00Z') });
    expect(PointQuery.parse({ revision: '0' })).toEqual({ revision: 0 });
    expect(PointQuery.parse({})).toEqual({ latest: true });
    expect(PointQuery.safeParse({ at: '2026-01-01', revision: '1' }).success).toBe(false);
    expect(PointQuery.safeParse({ revision: '2147483648' }).success).toBe(false);
  });
});
