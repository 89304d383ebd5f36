import { useEffect, useState } from 'preact/hooks';
import { usePoll, type Poll } from '../shared/use-poll.js';
import type { Scrape } from './engine-rates.js';
import { parsePrometheus } from './prometheus.js';

export const SCRAPE_MS = 5_000;

export interface Scrapes {
  poll: Poll<Scrape>;
  /** The scrape before the current one: rates are taken between the two. */
  previous: Scrape | undefined;
}

/** GET /metrics of one service every 5 s, keeping the last two scrapes. */
export function useScrape(fetchMetrics: ((signal: AbortSignal) => Promise<string>) | undefined): Scrapes {
  const poll = usePoll(
    async (signal): Promise<Scrape> => {
      const text = await (fetchMetrics ?? (() => Promise.resolve('')))(signal);
      return { at: Date.now(), samples: parsePrometheus(text) };
    },
    { intervalMs: SCRAPE_MS, enabled: fetchMetrics !== undefined },
  );
  const [pair, setPair] = useState<[Scrape | undefined, Scrape | undefined]>([undefined, undefined]);
  useEffect(() => {
    if (poll.data) setPair(([, last]) => [last, poll.data]);
  }, [poll.data]);
  // Until the effect has run, the pair's newest is the scrape before this one.
  return { poll, previous: pair[1] === poll.data ? pair[0] : pair[1] };
}
