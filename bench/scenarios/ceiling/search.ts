// The search for a stack's ceiling, apart from the probes: doubling from `from` while rates hold, halving from it while
// they do not (a slow machine may not hold the first rate), then bisecting between the highest rate that held and the
// lowest that did not, down to a step of `precision` (a fraction of the rate).

export interface SearchOptions {
  from: number;
  precision: number;
  /** No rate above it is tried. */
  max: number;
  /** No rate below it is tried: a stack that holds none is reported as holding none. */
  min: number;
}

/** The probe of the highest rate that held; undefined when no rate from min up held. */
export async function searchCeiling<P extends { rate: number; held: boolean }>(
  probe: (rate: number) => Promise<P>,
  { from, precision, max, min }: SearchOptions,
): Promise<P | undefined> {
  let best: P | undefined;
  let failed: number | undefined;
  for (let rate = from; rate <= max && failed === undefined; rate *= 2) {
    const result = await probe(rate);
    if (result.held) best = result;
    else failed = rate;
  }
  for (let rate = Math.round(from / 2); !best && rate >= min; rate = Math.round(rate / 2)) {
    const result = await probe(rate);
    if (result.held) best = result;
    else failed = rate;
  }
  if (!best || failed === undefined) return best;
  while (failed - best.rate > best.rate * precision) {
    const rate = Math.round((best.rate + failed) / 2);
    const result = await probe(rate);
    if (result.held) best = result;
    else failed = rate;
  }
  return best;
}
