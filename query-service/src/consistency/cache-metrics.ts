import { Counter, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '@order-engine/shared';
import type { CacheAside } from './cache-aside.js';

/** Cache-aside lookups by entity kind and result (hit, or miss: read from PostgreSQL), read at each scrape. */
export function registerCacheMetrics(registry: Registry, cached: CacheAside): void {
  new Counter({
    name: `${METRIC_PREFIX}cache_lookups_total`,
    help: 'Cache lookups of single views by entity kind and result: hit, or miss (read from PostgreSQL).',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, { hits, misses }] of Object.entries(cached.countersByKind())) {
        this.inc({ kind, result: 'hit' }, hits);
        this.inc({ kind, result: 'miss' }, misses);
      }
    },
  });
}
