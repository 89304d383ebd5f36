import { describe, expect, it } from 'vitest';
import { searchCeiling } from './search.js';

// A stack that holds every rate up to its capacity, with the rates it was offered.
const stack = (capacity: number) => {
  const tried: number[] = [];
  const probe = async (rate: number) => {
    tried.push(rate);
    return { rate, held: rate <= capacity };
  };
  return { tried, probe };
};
const options = { from: 200, precision: 0.1, max: 6_400, min: 25 };

describe('searchCeiling', () => {
  it('doubles while rates hold, then bisects to within the precision', async () => {
    const { tried, probe } = stack(700);
    const best = await searchCeiling(probe, options);
    expect(tried).toEqual([200, 400, 800, 600, 700, 750]);
    expect(best?.rate).toBe(700);
  });

  it('halves from the first rate when it does not hold, then bisects upwards', async () => {
    const { tried, probe } = stack(130);
    const best = await searchCeiling(probe, options);
    expect(tried).toEqual([200, 100, 150, 125, 138, 132]);
    expect(best?.rate).toBe(125);
  });

  it('reports none when even the lowest rate does not hold', async () => {
    const { tried, probe } = stack(10);
    expect(await searchCeiling(probe, options)).toBeUndefined();
    expect(tried).toEqual([200, 100, 50, 25]);
  });

  it('stops at the highest rate allowed when every rate holds', async () => {
    const { tried, probe } = stack(Number.POSITIVE_INFINITY);
    expect((await searchCeiling(probe, options))?.rate).toBe(6_400);
    expect(tried).toEqual([200, 400, 800, 1_600, 3_200, 6_400]);
  });
});
