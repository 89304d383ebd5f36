// One event store under measurement, behind the few operations the append and global-read scenarios need, so every
// contender runs the same workload through its own public API: the engine's PostgreSQL store, Emmett's PostgreSQL
// store, and raw single-row INSERTs into an equivalent table (the limit).

export interface Contender {
  name: string;
  /** Appends `count` events to one stream, with no expected revision (the cheapest append in every store). */
  append(streamId: string, count: number): Promise<void>;
  /**
   * Follows the global read from the start, calling onEvents with the ids (globally unique per contender) of each
   * batch it delivers, until the signal aborts. The same API a projection or consumer would use.
   */
  follow(onEvents: (ids: readonly string[]) => void, signal: AbortSignal): Promise<void>;
  /** The table its events live in, and SQL run on its database (for the scenarios' setup: loads, triggers). */
  table: string;
  exec(sql: string): Promise<void>;
  /**
   * Writes `count` events in one INSERT … SELECT, the fastest way in, to measure reads on a large store; then
   * ANALYZE, as autovacuum would have done on a store that grew to that size.
   */
  bulkLoad(count: number): Promise<void>;
  close(): Promise<void>;
}

/** A payload of the size of a real event (an OrderPlaced with two lines). */
export const benchEventData = {
  orderId: '0b7f4c1e-9d0a-4c55-8a3e-2f5f1b8f0d11',
  customerId: 'customer-0042',
  lines: [
    { sku: 'kettle', quantity: 2, unitPriceCents: 5900, currency: 'EUR' },
    { sku: 'grinder', quantity: 1, unitPriceCents: 12900, currency: 'EUR' },
  ],
  totalCents: 24700,
  currency: 'EUR',
};

export const benchEventMetadata = { correlationId: '5d2c7a3e-1f4b-4e8a-9c6d-0a1b2c3d4e5f', actor: 'bench' };
