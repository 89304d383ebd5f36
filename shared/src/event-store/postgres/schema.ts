import { assertIdentifier, type Sql, type SqlExecutor } from '../../sql/sql.js';

// DDL for the PostgreSQL event store: one schema per store, so tests and blue/green copies never share tables.
//
// Why `position > last` is safe to read here (ARCHITECTURE.md, "The PostgreSQL global-order pitfall"):
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
const schemaVersion = 'order-engine eventstore v1';

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
    await tx.exec(`comment on function ${schema}.append_events(text, text, int, jsonb) is '${schemaVersion}'`);
  });
}

async function installedVersion(sql: SqlExecutor, schema: string): Promise<string | undefined> {
  const [row] = await sql.query<{ version: string | null }>(`select obj_description(to_regprocedure($1), 'pg_proc') as version`, [
    `${schema}.append_events(text, text, int, jsonb)`,
  ]);
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

-- Appends p_events (a JSON array of {eventId, type, version, data, metadata}) to a stream in one round trip.
-- p_expected: 'any' | 'no_stream' | 'stream_exists' | 'exact' (then p_expected_revision is the last revision).
-- Raises SQLSTATE ES409 with the actual last revision (-1: no stream) in DETAIL when the stream is elsewhere.
create or replace function ${s}.append_events(
  p_stream_id text, p_expected text, p_expected_revision int, p_events jsonb
) returns table (event_position text, event_revision int, event_recorded_at timestamptz)
language plpgsql as $fn$
declare
  v_lock bigint := hashtextextended('${appendLockKey(s)}', 0);
  v_current int;
  v_positions bigint[];
  v_first int;
  v_recorded_at timestamptz;
  v_constraint text;
begin
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'append_events must be the first write of its transaction (positions would not follow xid order)';
  end if;

  perform pg_advisory_lock(v_lock);
  begin
    -- Assign the xid inside the lock: this is what makes xid order follow position order.
    perform pg_current_xact_id();
    for attempt in 1..100 loop
      select max(revision) into v_current from ${s}.events where stream_id = p_stream_id;
      if not (p_expected = 'any'
          or (p_expected = 'no_stream' and v_current is null)
          or (p_expected = 'stream_exists' and v_current is not null)
          or (p_expected = 'exact' and coalesce(v_current, -1) = p_expected_revision)) then
        raise exception using errcode = 'ES409', detail = coalesce(v_current, -1)::text,
          message = format('stream %s: expected %s %s, actual %s', p_stream_id, p_expected, p_expected_revision, coalesce(v_current, -1));
      end if;
      v_first := coalesce(v_current, -1) + 1;
      begin
        with inserted as (
          insert into ${s}.events (event_id, stream_id, revision, type, version, data, metadata)
          select (e.value->>'eventId')::uuid, p_stream_id, v_first + e.n::int - 1, e.value->>'type',
                 (e.value->>'version')::int, e.value->'data', coalesce(e.value->'metadata', '{}')
          from jsonb_array_elements(p_events) with ordinality as e(value, n)
          order by e.n
          returning position, revision, recorded_at
        )
        select array_agg(position order by revision), max(recorded_at) into v_positions, v_recorded_at from inserted;
        exit;
      exception when unique_violation then
        -- Another writer committed this revision meanwhile (the insert waited for its commit, holding the lock:
        -- only real conflicts pay that). Check again, still holding the lock so that the xid stays older than the
        -- positions: 'any' and 'stream_exists' retry, the other expectations raise ES409.
        get stacked diagnostics v_constraint = constraint_name;
        if v_constraint <> 'events_stream_revision_key' then raise; end if;
      end;
    end loop;
    if v_positions is null then
      raise exception using errcode = 'ES409', detail = '', message = format('stream %s: gave up after 100 conflicts', p_stream_id);
    end if;
  exception when others or query_canceled then
    -- A session-level lock outlives the transaction: release it on every error, or all appenders would hang.
    perform pg_advisory_unlock(v_lock);
    raise;
  end;
  perform pg_advisory_unlock(v_lock);

  return query select p::text, v_first + o::int - 1, v_recorded_at from unnest(v_positions) with ordinality as u(p, o) order by o;
end
$fn$;
`;
}
