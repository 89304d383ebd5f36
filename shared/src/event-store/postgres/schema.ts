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
const schemaVersion = 'order-engine eventstore v2';

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
  const [row] = await sql.query<{ version: string | null }>(`select obj_description(to_regprocedure($1), 'pg_proc') as version`, [
    `${schema}.append_events(jsonb)`,
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

-- v1 appended to one stream per call.
drop function if exists ${s}.append_events(text, text, int, jsonb);

-- Appends a batch of appends (a JSON array of {streamId, expected, expectedRevision, events: [{eventId, type,
-- version, data, metadata}]}) in one transaction and one round trip: the client coalesces concurrent appends
-- (append-batcher.ts), so they share one commit and one WAL flush. Each append is checked and written on its own:
-- expected 'any' | 'no_stream' | 'stream_exists' | 'exact' (then expectedRevision is the last revision). An append
-- whose stream is elsewhere writes nothing and returns the actual last revision (-1: no stream) in
-- conflict_revision; the others go through. One row per append, in input order.
create or replace function ${s}.append_events(p_appends jsonb)
returns table (append_index int, positions text[], first_revision int, recorded_at timestamptz, conflict_revision int)
language plpgsql as $fn$
declare
  v_lock bigint := hashtextextended('${appendLockKey(s)}', 0);
  v_append jsonb;
  v_stream text;
  v_expected text;
  v_expected_revision int;
  v_count int;
  v_current int;
  v_first int;
  v_positions bigint[];
  v_recorded_at timestamptz;
  v_written boolean;
begin
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'append_events must be the first write of its transaction (positions would not follow xid order)';
  end if;

  perform pg_advisory_lock(v_lock);
  begin
    -- Assign the xid inside the lock: this is what makes xid order follow position order.
    perform pg_current_xact_id();
    for v_append, append_index in select a.value, a.n::int from jsonb_array_elements(p_appends) with ordinality as a(value, n) loop
      v_stream := v_append->>'streamId';
      v_expected := v_append->>'expected';
      v_expected_revision := (v_append->>'expectedRevision')::int;
      v_count := jsonb_array_length(v_append->'events');
      positions := null; first_revision := null; recorded_at := null; conflict_revision := null;
      v_written := false;
      for attempt in 1..100 loop
        select max(e.revision) into v_current from ${s}.events e where e.stream_id = v_stream;
        if not (v_expected = 'any'
            or (v_expected = 'no_stream' and v_current is null)
            or (v_expected = 'stream_exists' and v_current is not null)
            or (v_expected = 'exact' and coalesce(v_current, -1) = v_expected_revision)) then
          conflict_revision := coalesce(v_current, -1);
          exit;
        end if;
        v_first := coalesce(v_current, -1) + 1;
        -- A revision that another writer has inserted meanwhile makes the insert wait for its commit (holding the
        -- lock: only real conflicts pay that) and then skip the row, without an exception (whose subtransaction
        -- every append would pay for).
        with inserted as (
          insert into ${s}.events as e (event_id, stream_id, revision, type, version, data, metadata)
          select (x.value->>'eventId')::uuid, v_stream, v_first + x.n::int - 1, x.value->>'type',
                 (x.value->>'version')::int, x.value->'data', coalesce(x.value->'metadata', '{}')
          from jsonb_array_elements(v_append->'events') with ordinality as x(value, n)
          order by x.n
          on conflict (stream_id, revision) do nothing
          returning e.position, e.recorded_at
        )
        select array_agg(i.position order by i.position), max(i.recorded_at) into v_positions, v_recorded_at from inserted i;
        if coalesce(cardinality(v_positions), 0) = v_count then
          positions := v_positions::text[];
          first_revision := v_first;
          recorded_at := v_recorded_at;
          v_written := true;
          exit;
        end if;
        -- Some revisions were taken: take back the rows that went in, and check again ('any' and 'stream_exists'
        -- write after the new last revision, the other expectations report the conflict).
        if v_positions is not null then
          delete from ${s}.events e where e.position = any(v_positions);
        end if;
      end loop;
      if not v_written and conflict_revision is null then
        raise exception using errcode = 'ES409', detail = '', message = format('stream %s: gave up after 100 conflicts', v_stream);
      end if;
      return next;
    end loop;
  exception when others or query_canceled then
    -- A session-level lock outlives the transaction: release it on every error, or all appenders would hang.
    perform pg_advisory_unlock(v_lock);
    raise;
  end;
  perform pg_advisory_unlock(v_lock);
end
$fn$;
`;
}
