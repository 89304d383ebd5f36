// How numbers, durations and times read in the tables: short, and "—" for what is not known yet.

export const UNKNOWN = '—';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A count or a rate: one decimal below 10, whole numbers above. */
export function formatNumber(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return UNKNOWN;
  return Math.abs(value) < 10 ? oneDecimal.format(value) : integer.format(value);
}

/** 42 s, 3 min 05 s, 2 h 07 min. */
export function formatSeconds(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds) || seconds < 0) return UNKNOWN;
  const whole = Math.round(seconds);
  if (whole < 60) return seconds < 10 ? `${oneDecimal.format(seconds)} s` : `${whole} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (whole < 3_600) return `${Math.floor(whole / 60)} min ${pad(whole % 60)} s`;
  return `${Math.floor(whole / 3_600)} h ${pad(Math.floor((whole % 3_600) / 60))} min`;
}

/** A ratio as a percentage with one decimal. */
export const formatPercent = (ratio: number | undefined): string =>
  ratio === undefined || !Number.isFinite(ratio) ? UNKNOWN : `${oneDecimal.format(ratio * 100)} %`;

/** An ISO time as the engine recorded it, in UTC, to the millisecond: `2026-03-01 12:00:00.123Z`. */
export const formatTime = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ') : UNKNOWN);
