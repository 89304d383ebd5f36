import { describe, expect, it } from 'vitest';
import { duration, progressBar, statusTable, verifyReport } from './format.js';

describe('projections command output', () => {
  it('draws a progress bar with done/total, rate and ETA', () => {
    expect(
      progressBar({ eventsDone: 523_000, eventsTotal: 1_000_000, eventsPerSecond: 24_120, etaSeconds: 20 }, 10),
    ).toBe('[█████░░░░░]  52.3%  523,000/1,000,000 events  24,120 events/s  ETA 20s');
    expect(progressBar({ eventsDone: 0, eventsTotal: 0, eventsPerSecond: 0, etaSeconds: null }, 4)).toBe(
      '[░░░░]   0.0%  0/0 events  0 events/s  ETA ?',
    );
    expect(progressBar({ eventsDone: 12, eventsTotal: 10, eventsPerSecond: 1, etaSeconds: 0 }, 4)).toMatch(
      /^\[████\] 100\.0%/,
    );
  });

  it('writes durations for people', () => {
    expect([duration(0), duration(42.4), duration(65), duration(7_380), duration(null)]).toEqual([
      '0s',
      '42s',
      '1m 05s',
      '2h 03m',
      '?',
    ]);
  });

  it('tabulates statuses, with a rebuild in progress', () => {
    const table = statusTable([
      {
        name: 'catalog',
        version: 2,
        schema: 'catalog_v2',
        status: 'live',
        checkpoint: '100',
        headPosition: '100',
        lagEvents: 0,
        lagSeconds: 0,
      },
      {
        name: 'orders',
        version: 1,
        schema: 'orders_v1',
        status: 'rebuilding',
        rebuild: {
          jobId: 'j',
          targetVersion: 2,
          schema: 'orders_v2',
          verify: false,
          startedAt: '2026-12-06T10:00:00.000Z',
          heartbeatAt: '2026-12-06T10:00:05.000Z',
          eventsDone: 25,
          eventsTotal: 100,
          eventsPerSecond: 5,
          etaSeconds: 15,
          stale: true,
        },
        checkpoint: '90',
        headPosition: '100',
        lagEvents: 10,
        lagSeconds: 1.25,
      },
    ]);
    expect(table.split('\n')).toEqual([
      'projection  version  status                                 checkpoint  lag events  lag s',
      'catalog     v2       live                                   100         0           0.0',
      'orders      v1       rebuilding v2 25.0% ETA 15s (stalled)  90          10          1.3',
      '',
    ]);
  });

  it('reports a verification with its differing rows', () => {
    const report = verifyReport({
      position: '42',
      exact: true,
      identical: false,
      tables: [
        {
          table: 'products',
          liveRows: 3,
          rebuiltRows: 3,
          differing: 2,
          inFlight: 0,
          samples: [{ key: { sku: 'a' }, live: { name: 'a' }, rebuilt: { name: 'A' } }],
        },
      ],
    });
    expect(report).toBe(
      [
        'verify: the rebuilt version differs from the live one at position 42',
        '  products: 3 live rows, 3 rebuilt, 2 differing',
        '    {"sku":"a"}',
        '      live:    {"name":"a"}',
        '      rebuilt: {"name":"A"}',
        '    … and 1 more',
        '',
      ].join('\n'),
    );
  });
});
