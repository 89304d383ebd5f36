import type { SqlExecutor } from '../../sql/sql.js';
import type { GlobalPosition, HeldBack } from '../event-store.js';
import { settled } from './read-all.js';

// $all shows only events of transactions older than the oldest one still running (read-all.ts), so one long write
// transaction anywhere on the server holds back every reader of $all, however long it runs. This names it.

type HeldBackRow = {
  position: string;
  kind: 'backend' | 'prepared' | null;
  id: string | null;
  owner: string | null;
  application: string | null;
  state: string | null;
  since: Date | null;
  query: string | null;
};

/**
 * When the first committed event after `after` is not yet settled, the position it waits at and the oldest
 * transaction holding an xid (a backend's or a prepared one), which is what holds it back; undefined otherwise.
 * A moment's hold is normal (appends in flight); one that lasts is a transaction left open.
 */
export async function heldBack(sql: SqlExecutor, schema: string, after: GlobalPosition): Promise<HeldBack | undefined> {
  const [row] = await sql.query<HeldBackRow>(
    `with first as (select position,
      ${settled} as settled from ${schema}.events where position > $1::bigint order by position limit 1),
          oldest as (
            select 'backend' as kind, pid::text as id, usename::text as owner, application_name as application, state,
                   xact_start as since, left(query, 300) as query, age(backend_xid) as age
            from pg_stat_activity where backend_xid is not null
            union all
            select 'prepared', gid, owner::text, null, 'prepared', prepared, null,
              age(transaction) from pg_prepared_xacts
            order by age desc limit 1)
     select first.position::text as position, oldest.kind, oldest.id, oldest.owner, oldest.application, oldest.state,
            oldest.since, oldest.query
     from first left join oldest on true where not first.settled`,
    [after.toString()],
  );
  if (!row) return undefined;
  const blocker =
    row.kind && row.id
      ? {
          kind: row.kind,
          id: row.id,
          owner: row.owner,
          application: row.application,
          state: row.state,
          since: row.since,
          query: row.query,
        }
      : undefined;
  return { position: BigInt(row.position), ...(blocker ? { blocker } : {}) };
}
