// The append_events function of the PostgreSQL event store (schema.ts runs it), one call per batch of appends.
//
// It takes a JSON array of appends, {streamId, expected, expectedRevision, events: [{eventId, type, version, data,
// metadata}]}, where expected is 'any' | 'no_stream' | 'stream_exists' | 'exact' (then expectedRevision is the last
// revision), and writes them in one transaction: the client coalesces concurrent appends (async/coalescer.ts) so
// they share one commit and one WAL flush. Each append is checked on its own: one whose stream is elsewhere writes
// nothing and gets the actual last revision (-1: no stream) as conflict_revision, and the others go through.
// Returns one row per written event, and one per refused append.
//
// Fast path, for a batch of several appends: one set-based INSERT for the whole batch, when every expectation holds
// given the streams' current revisions and the appends before it in the batch. A revision that another transaction
// has taken meanwhile makes that INSERT fail as a whole; then, and when an expectation fails, the appends go one by one.

export function appendFunctionDdl(s: string, lockKey: string): string {
  return `
create or replace function ${s}.append_events(p_appends jsonb)
returns table (append_index int, event_position text, event_revision int, event_recorded_at timestamptz,
  conflict_revision int)
language plpgsql as $fn$
declare
  v_lock bigint := hashtextextended('${lockKey}', 0);
  v_index int[] := '{}';
  v_position bigint[] := '{}';
  v_revision int[] := '{}';
  v_done boolean := false;
  v_constraint text;
  v_append jsonb;
  v_n int;
  v_stream text;
  v_expected text;
  v_current int;
  v_first int;
  v_positions bigint[];
  v_count int;
  v_event jsonb;
  v_one bigint;
  v_written boolean;
begin
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'append_events must be the first write of its transaction (positions would not follow xid order)';
  end if;

  perform pg_advisory_lock(v_lock);
  begin
    -- Assign the xid inside the lock: this is what makes xid order follow position order.
    perform pg_current_xact_id();

    -- A lone append goes straight to the loop below: it is as quick there, without the set-based machinery.
    if jsonb_array_length(p_appends) > 1 then
    begin
      with req as (
        select a.n::int as idx, a.value->>'streamId' as stream_id, a.value->>'expected' as expected,
               (a.value->>'expectedRevision')::int as expected_revision, a.value->'events' as events,
               jsonb_array_length(a.value->'events') as cnt
        from jsonb_array_elements(p_appends) with ordinality as a(value, n)
      ), cur as (
        -- one index probe per stream (a join could be planned as a scan of the whole table)
        select d.stream_id, (select max(e.revision) from ${s}.events e where e.stream_id = d.stream_id) as rev
        from (select distinct r.stream_id from req r) d
      ), planned as (
        -- last_rev: the stream's last revision just before this append, if the appends before it go through
        select r.*, coalesce(c.rev, -1) + coalesce(sum(r.cnt) over (partition by r.stream_id order by r.idx
                 rows between unbounded preceding and 1 preceding), 0)::int as last_rev
        from req r left join cur c on c.stream_id = r.stream_id
      ), verdict as (
        select bool_and(p.expected = 'any' or (p.expected = 'no_stream' and p.last_rev = -1)
          or (p.expected = 'stream_exists' and p.last_rev >= 0) or (p.expected = 'exact' and p.last_rev =
            p.expected_revision)) as ok
        from planned p
      ), inserted as (
        insert into ${s}.events (event_id, stream_id, revision, type, version, data, metadata)
        select (x.value->>'eventId')::uuid, p.stream_id, p.last_rev + x.n::int, x.value->>'type',
               (x.value->>'version')::int, x.value->'data', coalesce(x.value->'metadata', '{}')
        from planned p cross join lateral jsonb_array_elements(p.events) with ordinality as x(value, n)
        where (select v.ok from verdict v)
        order by p.idx, x.n
        returning position, stream_id, revision
      )
      select coalesce(array_agg(p.idx order by i.position), '{}'),
        coalesce(array_agg(i.position order by i.position), '{}'),
             coalesce(array_agg(i.revision order by i.position), '{}'), (select v.ok from verdict v)
      into v_index, v_position, v_revision, v_done
      from inserted i join planned p
        on p.stream_id = i.stream_id and i.revision between p.last_rev + 1 and p.last_rev + p.cnt;
    exception when unique_violation then
      -- Another writer committed one of these revisions meanwhile (the insert waited for its commit, holding the
      -- lock: only real conflicts pay that). Nothing of the batch stays; go one by one below.
      get stacked diagnostics v_constraint = constraint_name;
      if v_constraint <> 'events_stream_revision_key' then raise; end if;
      v_index := '{}'; v_position := '{}'; v_revision := '{}'; v_done := false;
    end;
    end if;

    if not v_done then
      -- One by one: rows are returned as they are written (RETURN NEXT), since nothing here is undone and continued.
      for v_n in 1..jsonb_array_length(p_appends) loop
        v_append := p_appends->(v_n - 1);
        v_stream := v_append->>'streamId';
        v_expected := v_append->>'expected';
        v_count := jsonb_array_length(v_append->'events');
        v_written := false;
        for attempt in 1..100 loop
          select max(e.revision) into v_current from ${s}.events e where e.stream_id = v_stream;
          if not (v_expected = 'any'
              or (v_expected = 'no_stream' and v_current is null)
              or (v_expected = 'stream_exists' and v_current is not null)
              or (v_expected = 'exact' and coalesce(v_current, -1) = (v_append->>'expectedRevision')::int)) then
            append_index := v_n; event_position := null; event_revision := null; event_recorded_at := null;
            conflict_revision := coalesce(v_current, -1);
            return next;
            v_written := true;
            exit;
          end if;
          v_first := coalesce(v_current, -1) + 1;
          -- A revision taken meanwhile makes the insert wait for its writer's commit and then skip the row, without
          -- an exception (whose subtransaction every append would pay for). A lone event (the usual case) skips the
          -- set machinery.
          if v_count = 1 then
            v_event := v_append->'events'->0;
            insert into ${s}.events as e (event_id, stream_id, revision, type, version, data, metadata)
            values ((v_event->>'eventId')::uuid, v_stream, v_first, v_event->>'type', (v_event->>'version')::int,
                    v_event->'data', coalesce(v_event->'metadata', '{}'))
            on conflict (stream_id, revision) do nothing
            returning e.position into v_one;
            v_positions := case when v_one is null then null else array[v_one] end;
          else
            with inserted as (
              insert into ${s}.events as e (event_id, stream_id, revision, type, version, data, metadata)
              select (x.value->>'eventId')::uuid, v_stream, v_first + x.n::int - 1, x.value->>'type',
                     (x.value->>'version')::int, x.value->'data', coalesce(x.value->'metadata', '{}')
              from jsonb_array_elements(v_append->'events') with ordinality as x(value, n)
              order by x.n
              on conflict (stream_id, revision) do nothing
              returning e.position
            )
            select array_agg(i.position order by i.position) into v_positions from inserted i;
          end if;
          if coalesce(cardinality(v_positions), 0) = v_count then
            for o in 1..v_count loop
              append_index := v_n; event_position := v_positions[o]::text; event_revision := v_first + o - 1;
              event_recorded_at := now(); conflict_revision := null;
              return next;
            end loop;
            v_written := true;
            exit;
          end if;
          -- Some revisions were taken: take back the rows that went in, and check again ('any' and 'stream_exists'
          -- write after the new last revision, the other expectations refuse).
          if v_positions is not null then
            delete from ${s}.events e where e.position = any(v_positions);
          end if;
        end loop;
        if not v_written then
          raise exception using errcode = 'ES409', detail = '',
            message = format('stream %s: gave up after 100 conflicts', v_stream);
        end if;
      end loop;
    end if;
  exception when others or query_canceled then
    -- A session-level lock outlives the transaction: release it on every error, or all appenders would hang.
    perform pg_advisory_unlock(v_lock);
    raise;
  end;
  perform pg_advisory_unlock(v_lock);

  -- recorded_at defaults to now(), the transaction's start: the same for every event of the batch.
  if v_done then
    return query select u.i, u.p::text, u.r, now(), null::int
      from unnest(v_index, v_position, v_revision) as u(i, p, r);
  end if;
end
$fn$;
`;
}
