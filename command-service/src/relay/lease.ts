import pg from 'pg';
import { assertIdentifier, sleep, SqlUnavailable, type GlobalPosition, type Logger } from '@order-engine/shared';

// One active relay at a time: a PostgreSQL session-level advisory lock, held on a connection of its own.
//
// Fencing. A session-level advisory lock lives exactly as long as its session: PostgreSQL releases it when the
// backend ends (crash, pg_terminate_backend, a dropped TCP connection the server noticed), and nobody but that
// session can unlock it. The checkpoint is written THROUGH the same connection, so a save that succeeds ran inside
// a session that still held the lock: a relay that lost its lease cannot move the checkpoint, because the only
// connection it could write through is gone (and it never opens another one for that purpose). The relay also
// stops relaying the moment the connection reports failure (`lost`), and a heartbeat bounds how long a silently
// dead connection goes unnoticed. What is NOT fenced is Kafka: between the server releasing the lock and the old
// relay noticing, it may still publish a batch. Those messages are re-sends of events after the shared checkpoint,
// which the new holder publishes again anyway: duplicates (harmless: consumers skip revisions they have applied),
// never loss, and the checkpoint only ever reflects batches Kafka acknowledged under a held lease.

export interface HeldLease {
  /** Backend pid of the lease connection: `select pg_terminate_backend(pid)` forces a takeover. */
  readonly pid: number;
  /** Aborts the moment the lease connection fails or is released: stop relaying at once. */
  readonly lost: AbortSignal;
  /** The position after which relaying resumes; 0n when nothing was ever relayed under this name. */
  loadCheckpoint(): Promise<GlobalPosition>;
  /** Saves through the lease connection, so it fails once the lease is gone. Never moves backwards. */
  saveCheckpoint(position: GlobalPosition): Promise<void>;
  /** Ends the lease connection, which releases the lock. Idempotent. */
  release(): Promise<void>;
}

export interface Lease {
  /**
   * Waits until this process holds the lease `name` (a standby waits here, polling), then migrates the checkpoint
   * table. Resolves undefined when signal aborts first; rejects with SqlUnavailable when PostgreSQL is unreachable.
   */
  acquire(name: string, signal: AbortSignal): Promise<HeldLease | undefined>;
}

export interface PostgresLeaseOptions {
  connectionString: string;
  /**
   * Checkpoints live in `<prefix>relay.checkpoints`; the lock key includes the schema, so deployments don't collide.
   */
  prefix: string;
  /** How often a standby tries to take the lock (default 500 ms): the takeover delay after a holder dies. */
  pollIntervalMs?: number;
  /** How often the holder checks its connection (default 2 s): bounds how long a silently dead one goes unnoticed. */
  heartbeatMs?: number;
  logger: Logger;
}

export const relaySchema = (prefix: string): string => assertIdentifier(`${prefix}relay`);

export function postgresLease(options: PostgresLeaseOptions): Lease {
  const schema = relaySchema(options.prefix);
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const heartbeatMs = options.heartbeatMs ?? 2_000;

  return {
    async acquire(name, signal) {
      const client = new pg.Client({
        connectionString: options.connectionString,
        application_name: `order-engine relay lease ${name}`.slice(0, 63),
        keepAlive: true,
        connectionTimeoutMillis: 5_000,
        // A query that hangs (half-open TCP) fails instead, and with it the lease.
        query_timeout: Math.max(5_000, heartbeatMs * 2),
      });
      const lost = new AbortController();
      const loseWith = (reason: Error) => {
        if (!lost.signal.aborted) lost.abort(reason);
      };
      // Without an 'error' listener a dropped connection would crash the process; here it ends the lease instead.
      client.on('error', (error) => loseWith(error));
      client.on('end', () => loseWith(new SqlUnavailable(`relay lease ${name}: connection ended`)));
      const end = () => client.end().catch(() => {});

      try {
        await client.connect();
        const waiting = AbortSignal.any([signal, lost.signal]);
        let pid: number | undefined;
        while (pid === undefined) {
          if (lost.signal.aborted) throw lost.signal.reason;
          if (signal.aborted) {
            await end();
            return undefined;
          }
          const { rows } = await client.query<{ held: boolean; pid: number }>(
            'select pg_try_advisory_lock(hashtextextended($1, 0)) as held, pg_backend_pid() as pid',
            [`relay-lease:${schema}:${name}`],
          );
          if (rows[0]?.held) pid = rows[0].pid;
          else await sleep(pollIntervalMs, waiting);
        }
        await migrate(client, schema);
        options.logger.info('relay lease acquired', { lease: name, pid });
        return heldLease(client, { name, pid, lost, loseWith, end, heartbeatMs, table: `${schema}.checkpoints` });
      } catch (error) {
        await end();
        throw toSqlUnavailable(`relay lease ${name}`, error);
      }
    },
  };
}

function heldLease(
  client: pg.Client,
  lease: {
    name: string;
    pid: number;
    lost: AbortController;
    loseWith: (reason: Error) => void;
    end: () => Promise<void>;
    heartbeatMs: number;
    table: string;
  },
): HeldLease {
  const { name, lost, loseWith, end, table } = lease;
  // A connection whose peer vanished without a FIN only fails when used: probe it, and fence on the first failure.
  const heartbeat = setInterval(() => {
    client.query('select 1').catch((error: unknown) => {
      loseWith(toSqlUnavailable(`relay lease ${name}: heartbeat failed`, error));
      void end();
    });
  }, lease.heartbeatMs);
  heartbeat.unref();
  lost.signal.addEventListener('abort', () => clearInterval(heartbeat), { once: true });

  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (lost.signal.aborted) throw toSqlUnavailable(`relay lease ${name} lost`, lost.signal.reason);
    return fn().catch((error: unknown) => {
      throw toSqlUnavailable(`relay lease ${name}`, error);
    });
  };

  return {
    pid: lease.pid,
    lost: lost.signal,
    loadCheckpoint: () =>
      guarded(async () => {
        const { rows } = await client.query<{ position: string }>(
          `select position::text as position from ${table} where name = $1`,
          [name],
        );
        return rows[0] ? BigInt(rows[0].position) : 0n;
      }),
    saveCheckpoint: (position) =>
      guarded(async () => {
        // GREATEST: a checkpoint never moves backwards, whatever a confused caller asks for.
        await client.query(
          `insert into ${table} (name, position) values ($1, $2::bigint)
           on conflict (name) do update
           set position = greatest(${table}.position, excluded.position), updated_at = now()`,
          [name, position.toString()],
        );
      }),
    async release() {
      loseWith(new Error(`relay lease ${name} released`));
      await end();
    },
  };
}

/**
 * Idempotent; concurrent relays (other names, same prefix) queue on a transaction lock instead of colliding in the
 * catalog.
 */
async function migrate(client: pg.Client, schema: string): Promise<void> {
  await client.query('begin');
  try {
    await client.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`relay-migrate:${schema}`]);
    await client.query(`create schema if not exists ${schema}`);
    await client.query(
      `create table if not exists ${schema}.checkpoints (name text primary key, position bigint not null, ` +
        `updated_at timestamptz not null default now())`,
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

function toSqlUnavailable(context: string, error: unknown): Error {
  if (error instanceof SqlUnavailable) return error;
  // SQL errors with a SQLSTATE other than connection failures (a bug, a permission) pass through unchanged.
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P'))
    return error as Error;
  return new SqlUnavailable(`${context}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
