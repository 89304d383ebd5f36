import type { ProjectionName, SqlExecutor } from '@order-engine/shared';
import { z } from 'zod';
import { VerifyReport } from './verify.js';

// The rebuild_jobs table: one row per rebuild, visible to every projection-service instance on the database. A unique
// partial index allows one running job per projection; its heartbeat tells a live job from one whose process died.
// Every write of a running job names its owner, so a process that lost its job to a takeover can no longer move it.

export type JobStatus = 'running' | 'done' | 'failed';

/** What a finished job's result column holds: the switch, and the verify report when one was asked for. */
export const RebuildResult = z.object({
  fromVersion: z.int(),
  toVersion: z.int(),
  switchedAt: z.string().meta({ description: 'The position of `$all` at which readers moved to the new version.' }),
  verify: VerifyReport.optional(),
});
export type RebuildResult = z.infer<typeof RebuildResult>;

export interface RebuildJob {
  id: string;
  projection: ProjectionName;
  fromVersion: number;
  targetVersion: number;
  status: JobStatus;
  verify: boolean;
  owner: string;
  eventsTotal: number;
  eventsDone: number;
  eventsPerSecond: number;
  startedAt: string;
  heartbeatAt: string;
  finishedAt: string | null;
  /** True when a running job's heartbeat is older than the stale limit: its process is gone, the job can be resumed. */
  stale: boolean;
  result: RebuildResult | null;
  error: string | null;
}

const columns = (staleMs: number) => `
  id::text as id, projection, from_version, target_version, status, verify, owner, events_total::text as events_total,
  events_done::text as events_done, events_per_second, to_char(started_at at time zone 'UTC',
    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as started_at,
  to_char(heartbeat_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as heartbeat_at,
  to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as finished_at,
  (status = 'running' and heartbeat_at < now() - make_interval(secs => ${Number(staleMs) / 1000})) as stale,
  result, error`;

type JobRow = Record<string, unknown>;

const toJob = (row: JobRow): RebuildJob => ({
  id: row.id as string,
  projection: row.projection as ProjectionName,
  fromVersion: Number(row.from_version),
  targetVersion: Number(row.target_version),
  status: row.status as JobStatus,
  verify: row.verify as boolean,
  owner: row.owner as string,
  eventsTotal: Number(row.events_total),
  eventsDone: Number(row.events_done),
  eventsPerSecond: Number(row.events_per_second),
  startedAt: row.started_at as string,
  heartbeatAt: row.heartbeat_at as string,
  finishedAt: (row.finished_at as string | null) ?? null,
  stale: row.stale as boolean,
  result: (row.result ?? null) as RebuildResult | null,
  error: (row.error as string | null) ?? null,
});

export interface JobTable {
  /**
   * Inserts a running job, with the events it has to replay as known at its start (the event store's head); undefined
   * when the projection has a running job already (whoever runs it).
   */
  insert(
    tx: SqlExecutor,
    job: {
      id: string;
      projection: ProjectionName;
      fromVersion: number;
      targetVersion: number;
      verify: boolean;
      owner: string;
      eventsTotal: bigint;
    },
  ): Promise<RebuildJob | undefined>;
  find(id: string): Promise<RebuildJob | undefined>;
  running(projection?: ProjectionName): Promise<RebuildJob[]>;
  /** Takes a stale running job over for `owner`; undefined when it is not stale (any more) or not running. */
  takeOver(id: string, owner: string): Promise<RebuildJob | undefined>;
  /** Heartbeat and progress; false when the job is no longer this owner's running job. */
  beat(
    id: string,
    owner: string,
    progress?: { eventsDone: number; eventsTotal: number; eventsPerSecond: number },
  ): Promise<boolean>;
  /** Marks a running job done inside the switch transaction; false when the owner lost it. */
  finish(tx: SqlExecutor, id: string, owner: string, result: RebuildResult, eventsDone: number): Promise<boolean>;
  fail(id: string, owner: string, error: string): Promise<boolean>;
  /** Lets another process resume the job at once, rather than after the stale limit (a clean shutdown). */
  release(id: string, owner: string): Promise<void>;
}

export function jobTable(sql: SqlExecutor, admin: string, staleMs: number): JobTable {
  const table = `${admin}.rebuild_jobs`;
  const select = columns(staleMs);
  const one = async (text: string, params: unknown[]) => {
    const [row] = await sql.query(text, params);
    return row && toJob(row);
  };
  return {
    async insert(tx, { id, projection, fromVersion, targetVersion, verify, owner, eventsTotal }) {
      const [row] = await tx.query(
        `insert into ${table} (id, projection, from_version, target_version, status, verify, owner, events_total)
         values ($1, $2, $3, $4, 'running', $5, $6, $7::bigint)
         on conflict (projection) where status = 'running' do nothing
         returning ${select}`,
        [id, projection, fromVersion, targetVersion, verify, owner, eventsTotal.toString()],
      );
      return row && toJob(row);
    },
    find: (id) => one(`select ${select} from ${table} where id = $1::uuid`, [id]),
    async running(projection) {
      const rows = await sql.query(
        `select ${select} from ${table} where status = 'running' and ($1::text is null or projection = $1) order by ` +
          `started_at`,
        [projection ?? null],
      );
      return rows.map(toJob);
    },
    takeOver: (id, owner) =>
      one(
        `update ${table} set owner = $2, heartbeat_at = now()
         where id = $1::uuid and status = 'running' and heartbeat_at < now() - make_interval(secs => $3::double
           precision / 1000)
         returning ${select}`,
        [id, owner, staleMs],
      ),
    async beat(id, owner, progress) {
      const rows = await sql.query(
        `update ${table} set heartbeat_at = now(),
           events_done = coalesce($3::bigint, events_done), events_total = coalesce($4::bigint, events_total),
           events_per_second = coalesce($5::double precision, events_per_second)
         where id = $1::uuid and owner = $2 and status = 'running' returning id`,
        [id, owner, progress?.eventsDone ?? null, progress?.eventsTotal ?? null, progress?.eventsPerSecond ?? null],
      );
      return rows.length > 0;
    },
    async finish(tx, id, owner, result, eventsDone) {
      const rows = await tx.query(
        `update ${table} set status = 'done', finished_at = now(), heartbeat_at = now(), events_done = $4::bigint,
          events_total = $4::bigint,
           result = $3::jsonb
         where id = $1::uuid and owner = $2 and status = 'running' returning id`,
        [id, owner, JSON.stringify(result), eventsDone],
      );
      return rows.length > 0;
    },
    async fail(id, owner, error) {
      const rows = await sql.query(
        `update ${table} set status = 'failed', finished_at = now(), error = $3 where id = $1::uuid and owner = $2 ` +
          `and status = 'running' returning id`,
        [id, owner, error.slice(0, 2_000)],
      );
      return rows.length > 0;
    },
    async release(id, owner) {
      await sql.query(
        `update ${table} set heartbeat_at = to_timestamp(0) where id = $1::uuid and owner = $2 and status = 'running'`,
        [id, owner],
      );
    },
  };
}
