import pg from 'pg';
import { createHash } from 'node:crypto';
import { redactedError } from '../logging/redact.js';
import { assertIdentifier, type QueryOptions, type Row, type Sql, type SqlExecutor } from './sql.js';

// The Sql port over node-postgres (real PostgreSQL). Queries use the pool; a transaction holds one pooled client
// from BEGIN to COMMIT; LISTEN uses one dedicated client outside the pool, so subscribers never starve queries.

/** The database could not be reached or dropped the connection; retrying later may help. */
export class SqlUnavailable extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqlUnavailable';
  }
}

/** Bounds on every wait for PostgreSQL, so a server that stops answering fails requests instead of hanging them. */
export interface PgTimeouts {
  /** Connecting, and waiting for a free pooled connection. */
  connectMs: number;
  /** Server side (statement_timeout): the server cancels a statement that runs longer. */
  statementMs: number;
  /** Client side: a statement with no answer after this long fails and its connection is dropped (a hung server). */
  queryMs: number;
}

/** A pool whose every connection carries the bounds; `max` connections at most (pg's default 10). */
export function pgPool(connectionString: string, timeouts: PgTimeouts, max?: number): pg.Pool {
  return new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.queryMs,
    // A peer that vanished without a FIN is noticed by the kernel, not only by the next query's timeout.
    keepAlive: true,
  });
}

/** Wraps a pool (or a connection string, for which it makes one). close() ends the pool. */
export function pgSql(poolOrUrl: pg.Pool | string): Sql {
  const pool = typeof poolOrUrl === 'string' ? new pg.Pool({ connectionString: poolOrUrl }) : poolOrUrl;
  // An idle pooled client that loses its connection emits 'error' on the pool, which kills the process when
  // nobody listens. The pool drops that client itself; the next query reports the outage if it persists.
  if (pool.listenerCount('error') === 0) pool.on('error', () => {});
  const listener = pgListener(pool);

  const executor = (client: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<R extends Row = Row>(text: string, params: readonly unknown[] = [], options: QueryOptions = {}) {
      const values = params.map(toParam);
      const config = options.prepare ? { name: statementName(text), text, values } : { text, values };
      const result = await client.query<R>(config).catch(rethrow);
      return result.rows;
    },
    async exec(text) {
      // Without parameters node-postgres sends a simple query, which may hold several statements.
      await client.query(text).catch(rethrow);
    },
  });

  return {
    ...executor(pool),
    parallelism: pool.options.max ?? 10,
    async transaction(fn) {
      const client = await pool.connect().catch(rethrow);
      // A connection lost mid-transaction also fails the running query; unheard, its 'error' event would crash us.
      const ignore = () => {};
      client.on('error', ignore);
      let broken: unknown;
      try {
        await client.query('begin');
        const result = await fn(executor(client));
        await client.query('commit');
        return result;
      } catch (error) {
        // A connection that failed or stopped answering cannot roll back: dropping it ends the server's transaction.
        if (isConnectionError(error)) broken = error;
        else await client.query('rollback').catch((rollbackError: unknown) => (broken = rollbackError));
        return rethrow(error);
      } finally {
        // A client whose rollback failed is in an unknown state: destroy it instead of returning it to the pool.
        client.off('error', ignore);
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    listen: (channel, onNotify) => listener.listen(assertIdentifier(channel), onNotify),
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/** One client for all LISTENs of this Sql, connected while someone listens, reconnected after a failure. */
function pgListener(pool: pg.Pool) {
  const channels = new Map<string, Set<(payload: string) => void>>();
  let client: Promise<pg.Client> | undefined;
  let closed = false;

  function connect(): Promise<pg.Client> {
    client ??= (async () => {
      const fresh = new pg.Client(pool.options);
      fresh.on('notification', (message) => {
        for (const callback of channels.get(message.channel) ?? []) callback(message.payload ?? '');
      });
      fresh.on('error', () => reconnectLater(fresh));
      await fresh.connect().catch(rethrow);
      for (const channel of channels.keys()) await fresh.query(`listen ${channel}`);
      return fresh;
    })();
    client.catch(() => (client = undefined));
    return client;
  }

  // Notifications only save latency (subscribers also poll), so a lost listener is re-established in the background.
  function reconnectLater(broken: pg.Client) {
    void broken.end().catch(() => {});
    client = undefined;
    setTimeout(() => {
      if (!closed && channels.size > 0 && client === undefined) connect().catch(() => reconnectLater(broken));
    }, 1_000).unref();
  }

  return {
    async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
      const callbacks = channels.get(channel) ?? new Set();
      const first = callbacks.size === 0;
      callbacks.add(onNotify);
      channels.set(channel, callbacks);
      try {
        if (first) await (await connect()).query(`listen ${channel}`).catch(rethrow);
        else await connect();
      } catch (error) {
        await unlisten();
        throw error;
      }
      async function unlisten() {
        callbacks.delete(onNotify);
        if (callbacks.size > 0 || channels.get(channel) !== callbacks) return;
        channels.delete(channel);
        const current = client;
        if (channels.size === 0) {
          client = undefined;
          await current?.then((c) => c.end()).catch(() => {});
        } else {
          await current?.then((c) => c.query(`unlisten ${channel}`)).catch(() => {});
        }
      }
      return unlisten;
    },
    async close() {
      closed = true;
      channels.clear();
      const current = client;
      client = undefined;
      await current?.then((c) => c.end()).catch(() => {});
    },
  };
}

const connectionErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * Turns "the database is not there" into SqlUnavailable; everything else (SQL errors with a SQLSTATE) passes through.
 */
function rethrow(error: unknown): never {
  if (isConnectionError(error)) {
    // The driver's message may quote the connection string (a malformed one, say): never with its password.
    throw new SqlUnavailable(`PostgreSQL unavailable: ${redactedError(error)}`, { cause: error });
  }
  throw error;
}

function isConnectionError(error: unknown): boolean {
  if (error instanceof SqlUnavailable) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // SQLSTATE class 08 = connection exception; 57P01-03 = server shutting down or starting; 53300 = too many
    // connections; 57014 = statement_timeout (the server too busy or a lock held too long: retrying later may help).
    return (
      connectionErrorCodes.has(code) ||
      code.startsWith('08') ||
      ['57P01', '57P02', '57P03', '53300', '57014'].includes(code)
    );
  }
  return (
    /Connection terminated|timeout exceeded when trying to connect/i.test(error.message) ||
    /Client has encountered a connection error|Query read timeout/i.test(error.message)
  );
}

function toParam(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

const statementNames = new Map<string, string>();

/** Name of a prepared statement: the same for the same text on every connection, hashed once per text. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}
