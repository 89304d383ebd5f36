import { describe, expect, it } from 'vitest';
import { sparklinePoints } from './sparkline-points.js';

describe('sparklinePoints', () => {
  it('spreads the values over the width and scales them to the highest', () => {
    expect(sparklinePoints([0, 5, 10], 100, 20)).toBe('0,20 50,10 100,0');
  });

  it('draws all zeros on the bottom line, and one value at the left', () => {
    expect(sparklinePoints([0, 0], 10, 20)).toBe('0,20 10,20');
    expect(sparklinePoints([3], 10, 20)).toBe('0,0');
    expect(sparklinePoints([], 10, 20)).toBe('');
  });
});
