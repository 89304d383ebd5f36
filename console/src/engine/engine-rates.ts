import { sumByLabel, sumOf, type Sample } from './prometheus.js';

// Rates from two scrapes of the same service: counters only ever grow, so their difference over the time between the
// scrapes is the rate. A counter that went down means the service restarted and counted again from zero.

export interface Scrape {
  /** When it was taken (ms since the epoch). */
  at: number;
  samples: readonly Sample[];
}

/** Per second between two readings of one counter. */
export function counterRate(before: number, after: number, seconds: number): number {
  if (seconds <= 0) return 0;
  return (after >= before ? after - before : after) / seconds;
}

const secondsBetween = (previous: Scrape, current: Scrape): number => (current.at - previous.at) / 1_000;

/** A counter's rate per value of one label; undefined until there are two scrapes. */
export function ratesByLabel(
  previous: Scrape | undefined,
  current: Scrape,
  name: string,
  label: string,
): Map<string, number> | undefined {
  if (!previous) return undefined;
  const before = sumByLabel(previous.samples, name, label);
  const rates = new Map<string, number>();
  for (const [key, after] of sumByLabel(current.samples, name, label))
    rates.set(key, counterRate(before.get(key) ?? 0, after, secondsBetween(previous, current)));
  return rates;
}

/** A counter's rate over all its labels; undefined until there are two scrapes. */
export function totalRate(previous: Scrape | undefined, current: Scrape, name: string): number | undefined {
  if (!previous) return undefined;
  return counterRate(sumOf(previous.samples, name), sumOf(current.samples, name), secondsBetween(previous, current));
}

export const CACHE_LOOKUPS = 'order_engine_cache_lookups_total';

export interface CacheHitRate {
  /** Hits / lookups since the service started; undefined before the first lookup. */
  sinceStart: number | undefined;
  /** Hits / lookups between the two scrapes; undefined when there were none. */
  recent: number | undefined;
  lookupsPerSecond: number | undefined;
}

const hitRatio = (hits: number, misses: number): number | undefined =>
  hits + misses > 0 ? hits / (hits + misses) : undefined;

export function cacheHitRate(previous: Scrape | undefined, current: Scrape): CacheHitRate {
  const now = sumByLabel(current.samples, CACHE_LOOKUPS, 'result');
  const rates = ratesByLabel(previous, current, CACHE_LOOKUPS, 'result');
  const hitsPerSecond = rates?.get('hit') ?? 0;
  const missesPerSecond = rates?.get('miss') ?? 0;
  return {
    sinceStart: hitRatio(now.get('hit') ?? 0, now.get('miss') ?? 0),
    recent: hitRatio(hitsPerSecond, missesPerSecond),
    lookupsPerSecond: rates && hitsPerSecond + missesPerSecond,
  };
}

export interface ProcessorLag {
  kind: string;
  processor: string;
  events: number | undefined;
  seconds: number | undefined;
}

/** Each processor's lag (`order_engine_processor_lag_events` and `_seconds`), by kind then name. */
export function processorLags(samples: readonly Sample[]): ProcessorLag[] {
  const lags = new Map<string, ProcessorLag>();
  for (const { name, labels, value } of samples) {
    const unit =
      name === 'order_engine_processor_lag_events'
        ? 'events'
        : name === 'order_engine_processor_lag_seconds'
          ? 'seconds'
          : undefined;
    if (!unit) continue;
    const kind = labels.kind ?? '';
    const processor = labels.processor ?? '';
    const key = `${kind}\u0000${processor}`;
    const lag = lags.get(key) ?? { kind, processor, events: undefined, seconds: undefined };
    lags.set(key, { ...lag, [unit]: value });
  }
  return [...lags.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.processor.localeCompare(b.processor));
}
