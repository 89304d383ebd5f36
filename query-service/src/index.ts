export * from './app.js';
export type { CacheCounters, CacheOutcome } from './consistency/cache-aside.js';
export { MIN_POSITION_HEADER, READ_POSITION_HEADER, STALE_HEADER } from './consistency/read-position-headers.js';
export type { Page } from './input/cursor.js';
export type { SalesReport, SalesTotal } from '@order-engine/shared/read-models/sales';
