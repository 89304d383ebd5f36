import { sparklinePoints } from './sparkline-points.js';

const WIDTH = 120;
const HEIGHT = 24;

/** Lag in events over the last five minutes of polls, newest on the right. */
export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  return (
    <svg
      class="sparkline"
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 -1 ${WIDTH} ${HEIGHT + 2}`}
      role="img"
      aria-label={label}
    >
      <polyline points={sparklinePoints(values, WIDTH, HEIGHT)} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
