import { describe, expect, it } from 'vitest';
import { knownHistory, replayExample } from './known-history.js';

const HOUR = 3_600_000;

describe('examples/placed-to-shipped.js', () => {
  it('averages the time from placed to shipped over the shipped orders', async () => {
    const { result } = await replayExample('./placed-to-shipped.js');
    // o-1 took 30 h and o-4 49 h; o-2 was rejected, o-3 cancelled and o-5 is not shipped yet
    expect(result).toEqual({
      orders: 2,
      averageMs: 39.5 * HOUR,
      averageHours: 39.5,
      fastestHours: 30,
      slowestHours: 49,
    });
  });

  it('says null when no order was shipped', async () => {
    const { result } = await replayExample('./placed-to-shipped.js', knownHistory().slice(0, 6));
    expect(result).toEqual({ orders: 0, averageMs: null, averageHours: null, fastestHours: null, slowestHours: null });
  });
});
