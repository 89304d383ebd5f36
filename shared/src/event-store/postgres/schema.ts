import { assertIdentifier, type Sql, type SqlExecutor } from '../../sql/sql.js';
import { appendFunctionDdl } from './append-function.js';

// DDL for the PostgreSQL event store: one schema per store, so tests and blue/green copies never share tables.
//
// Why `position > last` is safe to read here (docs/architecture.md, "Global order of `$all` on PostgreSQL"):
// a position comes from nextval at insert but becomes visible at commit, so a reader could see position 8 commit
// before 7 and skip 7 for ever. append_events therefore takes a session-level advisory lock, assigns the
// transaction's xid (pg_current_xact_id), inserts the events and unlocks, all before commit. Inside the lock, xid
// order equals position order: an event with a lower position belongs to a transaction with a lower (or the same)
// xid. Readers return only events with tx_id < pg_snapshot_xmin(pg_current_snapshot()), the oldest transaction
// still running: every transaction below it has committed or aborted, so every lower position is settled and
// nothing can appear behind the reader later. The lock is released before commit, so appenders still commit (and
// flush WAL) concurrently: it only serialises the few microseconds of xid assignment and insert, never a commit.
// The price: a long write transaction anywhere on the server holds back what $all shows (not stream reads).
//
// Two invariants the function relies on, checked or kept here:
// - the transaction must not have an xid before taking the lock (the function refuses one that has), or its xid
//   could be older than positions assigned before it;
// - the sequence must hand out values in call order, i.e. `cache 1` (a session cache would not).

/** Bump when the DDL below changes, so that existing stores run it again. */
const schemaVersion = 'order-engine eventstore v5';

/**
 * Creates (or updates) the schema, tables, indexes and function. Idempotent, and a no-op when the schema is current:
 * re-running DDL on a live store would take table locks that deadlock with running appends.
 */
export async function migrateEventStore(sql: Sql, schema: string): Promise<void> {
  assertIdentifier(schema);
  if ((await installedVersion(sql, schema)) === schemaVersion) return;
  await sql.transaction(async (tx) => {
    // Concurrent migrators queue here; the later ones find the work done.
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`eventstore-migrate:${schema}`]);
    if ((await installedVersion(tx, schema)) === schemaVersion) return;
    await tx.exec(ddl(schema));
    await tx.exec(`comment on function ${schema}.append_events(jsonb) is '${schemaVersion}'`);
  });
}

async function installedVersion(sql: SqlExecutor, schema: string): Promise<string | undefined> {
  const [row] = await sql.query<{ version: string | null }>(
    `select obj_description(to_regprocedure($1), 'pg_proc') as version`,
    [`${schema}.append_events(jsonb)`],
  );
  return row?.version ?? undefined;
}

/** Advisory lock key that serialises position assignment in one schema. */
function appendLockKey(schema: string): string {
  return `eventstore-append:${schema}`;
}

function ddl(s: string): string {
  return `
create schema if not exists ${s};

create sequence if not exists ${s}.events_position_seq as bigint cache 1;

create table if not exists ${s}.events (
  position bigint primary key default nextval('${s}.events_position_seq'),
  event_id uuid not null constraint events_event_id_key unique,
  stream_id text not null,
  revision int not null,
  type text not null,
  version int not null,
  data jsonb not null,
  metadata jsonb not null default '{}',
  recorded_at timestamptz not null default now(),
  tx_id xid8 not null default pg_current_xact_id(),
  constraint events_stream_revision_key unique (stream_id, revision)
);

-- Type-filtered reads of $all, in position order.
create index if not exists events_type_position_idx on ${s}.events (type, position);
-- Stream-prefix reads of $all (LIKE 'order-%' needs pattern ops to use an index).
create index if not exists events_stream_prefix_idx on ${s}.events (stream_id text_pattern_ops, position);
-- The events of an Idempotency-Key (only HTTP commands carry one): a retry after a crash finds what its command wrote.
create index if not exists events_idempotency_key_idx on ${s}.events ((metadata->>'idempotencyKey'), position)
  where metadata ? 'idempotencyKey';

-- Earlier versions of the function (v1 appended to one stream per call); a new return type needs a drop.
drop function if exists ${s}.append_events(text, text, int, jsonb);
drop function if exists ${s}.append_events(jsonb);

${appendFunctionDdl(s, appendLockKey(s))}`;
}
