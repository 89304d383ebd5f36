/** SVG polyline points for values drawn left to right in a width × height box, the highest value at the top. */
export function sparklinePoints(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const top = Math.max(...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const y = (value: number) => height - (Math.max(0, value) / top) * height;
  return values.map((value, index) => `${round(index * step)},${round(y(value))}`).join(' ');
}

const round = (n: number): number => Math.round(n * 10) / 10;
