import { describe, expect, it } from 'vitest';
import { busiestWindow, categoryOf } from './profile-summary.js';

const frame = (functionName: string, url = '') => ({ functionName, url });

describe('profile summary', () => {
  it('charges a frame to its package, its folder of the repository, a node module or a named builtin', () => {
    expect(categoryOf(frame('parseRow', 'file:///w/node_modules/pg/lib/result.js'))).toBe('pg');
    expect(categoryOf(frame('x', 'file:///w/node_modules/@opentelemetry/api/build/x.js'))).toBe('@opentelemetry/api');
    expect(categoryOf(frame('apply', 'file:///w/shared/src/read-models/orders/orders.ts'))).toBe('shared/read-models');
    expect(categoryOf(frame('f', 'file:///w/command-service/src/handling/handle.ts'))).toBe('command-service/handling');
    expect(categoryOf(frame('emit', 'node:internal/streams/writable'))).toBe('node:internal/streams');
    expect(categoryOf(frame('writev'))).toBe('native writev');
    expect(categoryOf(frame('(garbage collector)'))).toBe('garbage collector');
  });

  it('reads the busiest 15 s of a profile only', () => {
    // 40 s sampled every second: idle for 20 s, then 15 s of `work` (15 busy samples), then idle again.
    const nodes = [
      { id: 1, callFrame: frame('(idle)') },
      { id: 2, callFrame: frame('work', 'file:///w/shared/src/domain/x.ts') },
      { id: 3, callFrame: frame('warmup', 'file:///w/shared/src/http/y.ts') },
    ];
    const samples = Array.from({ length: 40 }, (_, i) => (i >= 20 && i < 35 ? 2 : i === 5 ? 3 : 1));
    const spent = busiestWindow({ nodes, samples, timeDeltas: samples.map(() => 1_000_000) });
    expect(spent.get('shared/domain')).toBe(15_000_000);
    expect(spent.has('shared/http')).toBe(false);
  });
});
