import { describe, expect, it } from 'vitest';
import { checkpointKey, effectiveCheckpoint } from './checkpoints.js';

const rows = (entries: Record<string, number>) =>
  new Map(Object.entries(entries).map(([key, position]) => [key, BigInt(position)]));

describe('effective checkpoint', () => {
  it('names the global row and one row per partition', () => {
    expect(checkpointKey('catalog_v1')).toBe('catalog_v1');
    expect(checkpointKey('catalog_v1', 3)).toBe('catalog_v1#p3');
  });

  it('is the global row on the global feed, whatever partition rows exist', () => {
    expect(effectiveCheckpoint('catalog_v1', rows({ catalog_v1: 40, 'catalog_v1#p0': 90 }))).toBe(40n);
    expect(effectiveCheckpoint('catalog_v1', rows({}))).toBe(0n);
  });

  it('is the lowest partition row on Kafka, ignoring the global row and other projections', () => {
    const all = rows({
      catalog_v1: 500,
      'catalog_v1#p0': 70,
      'catalog_v1#p1': 55,
      'catalog_v1#p2': 90,
      'orders_v1#p1': 3,
      'catalog_v10#p0': 1,
    });
    expect(effectiveCheckpoint('catalog_v1', all, 3)).toBe(55n);
  });

  it('never overstates: a partition without a row counts as 0', () => {
    expect(effectiveCheckpoint('catalog_v1', rows({ 'catalog_v1#p0': 70, 'catalog_v1#p1': 55 }), 3)).toBe(0n);
    expect(effectiveCheckpoint('catalog_v1', rows({ catalog_v1: 80 }), 2)).toBe(0n);
  });

  it('never overstates: rows of partitions beyond the configured count still count', () => {
    expect(
      effectiveCheckpoint('catalog_v1', rows({ 'catalog_v1#p0': 70, 'catalog_v1#p1': 60, 'catalog_v1#p2': 12 }), 2),
    ).toBe(12n);
  });

  it('is never above any partition row, for any set of rows', () => {
    for (let run = 0; run < 200; run++) {
      const partitions = 1 + Math.floor(Math.random() * 6);
      const entries: Record<string, number> = {};
      for (let p = 0; p < partitions + 2; p++)
        if (Math.random() < 0.8) entries[`s#p${p}`] = Math.floor(Math.random() * 100);
      const effective = effectiveCheckpoint('s', rows(entries), partitions);
      for (let p = 0; p < partitions; p++) expect(effective).toBeLessThanOrEqual(BigInt(entries[`s#p${p}`] ?? 0));
      for (const position of Object.values(entries)) expect(effective).toBeLessThanOrEqual(BigInt(position));
    }
  });
});
