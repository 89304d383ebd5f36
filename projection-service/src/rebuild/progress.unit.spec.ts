import { describe, expect, it } from 'vitest';
import { etaSeconds, rateMeter } from './progress.js';

describe('rebuild progress', () => {
  it('measures events per second over a sliding window', () => {
    const meter = rateMeter(10_000);
    expect(meter.perSecond()).toBe(0);
    meter.record(0, 0);
    expect(meter.perSecond()).toBe(0);
    meter.record(5_000, 1_000);
    expect(meter.perSecond()).toBe(5_000);
    // A slow start drops out of the window: the rate follows the recent pace.
    for (let t = 2_000; t <= 30_000; t += 1_000) meter.record(5_000 + (t - 1_000) * 20, t);
    expect(meter.perSecond()).toBeCloseTo(20_000, -2);
  });

  it('gives the seconds left at the current rate, 0 when done, null while no rate is known', () => {
    expect(etaSeconds(250, 1_000, 50)).toBe(15);
    expect(etaSeconds(1_000, 1_000, 0)).toBe(0);
    expect(etaSeconds(10, 1_000, 0)).toBeNull();
    expect(etaSeconds(0, 0, 0)).toBeNull();
  });
});
