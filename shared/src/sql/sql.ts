// The SQL port: one small interface over `pg` (real PostgreSQL) and PGlite (embedded), so the event store,
// read models and idempotency store run unchanged on both.
//
// Conventions for portable SQL:
// - parameters are $1, $2, ...; pass bigints and int8 values as strings, JSON as JSON.stringify(...) cast ::jsonb;
// - select int8 columns as ::text (or ::int when small) and convert in code: the drivers differ on int8;
// - identifiers (schema names) are interpolated only after `assertIdentifier`.

export type Row = Record<string, unknown>;

export interface QueryOptions {
  /**
   * A statement of fixed text that runs very often (an append): each connection parses and plans it once and keeps
   * it (a named prepared statement on pg; PGlite ignores this). Never for text built from values.
   */
  prepare?: boolean;
}

export interface SqlExecutor {
  query<R extends Row = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<R[]>;
  /** Runs several statements without parameters (DDL, migrations). */
  exec(text: string): Promise<void>;
}

export interface Sql extends SqlExecutor {
  /**
   * How many statements it runs at once: 1 for PGlite (one connection), the pool's size for pg. Writers that coalesce
   * concurrent calls (async/coalescer.ts) keep no more calls in flight than this.
   */
  readonly parallelism: number;
  /** Runs fn in one transaction (BEGIN/COMMIT, ROLLBACK on throw) on one connection. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; resolves to an unlisten function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Guards an identifier that will be interpolated into SQL. */
export function assertIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a safe SQL identifier: ${JSON.stringify(name)}`);
  return name;
}
