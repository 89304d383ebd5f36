import { describe, expect, it } from 'vitest';
import { progressPercent } from './progress.js';

describe('progressPercent', () => {
  it('is the share of events replayed, in whole percent', () => {
    expect(progressPercent(0, 200, false)).toBe(0);
    expect(progressPercent(199, 200, false)).toBe(99);
    expect(progressPercent(50, 200, false)).toBe(25);
  });

  it('stays within 0 to 100 (the head moves on while replaying) and is 100 once finished', () => {
    expect(progressPercent(250, 200, false)).toBe(100);
    expect(progressPercent(0, 0, false)).toBe(0);
    expect(progressPercent(10, 200, true)).toBe(100);
  });
});
