import type { RecordedEvent } from '@order-engine/shared';
import { describe, expect, it } from 'vitest';
import { csvField, eventFormats } from './formats.js';
import { parseCsv } from './testing/csv.js';

const event = (overrides: Partial<RecordedEvent> = {}): RecordedEvent => ({
  eventId: '6f1c0a4e-1111-4a4a-8888-000000000001',
  type: 'OrderPlaced',
  version: 1,
  streamId: 'order-o-1',
  revision: 0,
  position: 9_007_199_254_740_993n, // 2^53 + 1: a JSON number would round it
  recordedAt: new Date('2026-03-01T10:00:00.123Z'),
  data: { note: 'says "hi", then\r\nleaves', n: 1 },
  metadata: { actor: 'ana' },
  ...overrides,
});

describe('NDJSON', () => {
  it('writes one envelope per line, the position as a decimal string', () => {
    const text = eventFormats.ndjson.page([event(), event({ revision: 1 })]);
    expect(text.endsWith('\n')).toBe(true);
    const [first, second] = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(first).toEqual({
      eventId: '6f1c0a4e-1111-4a4a-8888-000000000001',
      type: 'OrderPlaced',
      version: 1,
      streamId: 'order-o-1',
      revision: 0,
      position: '9007199254740993',
      recordedAt: '2026-03-01T10:00:00.123Z',
      data: { note: 'says "hi", then\r\nleaves', n: 1 },
      metadata: { actor: 'ana' },
    });
    expect(second.revision).toBe(1);
  });
});

describe('CSV', () => {
  it('quotes fields with commas, quotes or line breaks, so any data reads back intact', () => {
    const text = eventFormats.csv.header + eventFormats.csv.page([event()]);
    const [header, row] = parseCsv(text);
    expect(header).toEqual([
      'eventId',
      'type',
      'version',
      'streamId',
      'revision',
      'position',
      'recordedAt',
      'data',
      'metadata',
    ]);
    expect(row).toEqual([
      '6f1c0a4e-1111-4a4a-8888-000000000001',
      'OrderPlaced',
      '1',
      'order-o-1',
      '0',
      '9007199254740993',
      '2026-03-01T10:00:00.123Z',
      JSON.stringify(event().data),
      '{"actor":"ana"}',
    ]);
    expect(JSON.parse(row![7]!)).toEqual(event().data);
  });

  it('leaves plain fields alone', () => {
    expect(csvField('order-o-1')).toBe('order-o-1');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "x"')).toBe('"say ""x"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });
});
