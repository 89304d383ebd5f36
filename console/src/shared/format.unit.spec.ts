import { describe, expect, it } from 'vitest';
import { formatNumber, formatPercent, formatSeconds, formatTime, UNKNOWN } from './format.js';

describe('format', () => {
  it('formats numbers with one decimal below 10 and separators above', () => {
    expect(formatNumber(2.345)).toBe('2.3');
    expect(formatNumber(12_345.6)).toBe('12,346');
    expect(formatNumber(undefined)).toBe(UNKNOWN);
    expect(formatNumber(Number.NaN)).toBe(UNKNOWN);
  });

  it('formats durations in s, min and h', () => {
    expect(formatSeconds(0.25)).toBe('0.3 s');
    expect(formatSeconds(42)).toBe('42 s');
    expect(formatSeconds(185)).toBe('3 min 05 s');
    expect(formatSeconds(7_620)).toBe('2 h 07 min');
    expect(formatSeconds(null)).toBe(UNKNOWN);
  });

  it('formats ratios and times', () => {
    expect(formatPercent(0.935)).toBe('93.5 %');
    expect(formatPercent(undefined)).toBe(UNKNOWN);
    expect(formatTime('2026-03-01T12:00:00.123Z')).toBe('2026-03-01 12:00:00.123Z');
    expect(formatTime(null)).toBe(UNKNOWN);
  });
});
