import {
  adminSchema,
  lagReader,
  readEffectiveCheckpoints,
  readLiveVersions,
  type EventStore,
  type SqlExecutor,
} from '@order-engine/shared';
import type { Projection } from '../projections/projection.js';
import { jobTable, type RebuildJob } from '../rebuild/jobs.js';
import { etaSeconds } from '../rebuild/progress.js';

// What operations watch: where each projection's live version stands against the head of `$all`, and how far a
// rebuild has come. Read from the database (registry, checkpoints, job table), not from this process's runners, so
// it is right whichever processes run the workers and the rebuild.

export interface RebuildProgress {
  jobId: string;
  targetVersion: number;
  schema: string;
  verify: boolean;
  /** Positions of `$all` replayed into the new version, and up to the head. */
  eventsDone: number;
  eventsTotal: number;
  eventsPerSecond: number;
  /** Null until a rate is known. */
  etaSeconds: number | null;
  startedAt: string;
  heartbeatAt: string;
  /** The process running it stopped beating: the next POST, or any projection service's start, resumes it. */
  stale: boolean;
}

export interface ProjectionStatus {
  name: string;
  /** The live version: the one queries read. */
  version: number;
  schema: string;
  status: 'live' | 'rebuilding';
  /** Present while status is rebuilding. */
  rebuild?: RebuildProgress;
  /** Every event up to this position is applied (decimal string: positions are int8). */
  checkpoint: string;
  headPosition: string;
  /** Positions between checkpoint and head (a failed append's unused position counts too). */
  lagEvents: number;
  /**
   * Age of the oldest event not yet applied: it grows while the projection is behind, even when no event arrives. 0
   * when caught up.
   */
  lagSeconds: number;
}

export interface StatusSources {
  sql: SqlExecutor;
  eventStore: EventStore;
  prefix: string;
  projections: readonly Projection[];
  /** The Kafka topic's partition count when the projections read Kafka; undefined on the global feed. */
  feedPartitions?: number;
  /** When a running job's heartbeat counts as stale. */
  staleAfterMs?: number;
  now?: () => Date;
}

export const rebuildProgress = (job: RebuildJob, schema: string): RebuildProgress => ({
  jobId: job.id,
  targetVersion: job.targetVersion,
  schema,
  verify: job.verify,
  eventsDone: job.eventsDone,
  eventsTotal: job.eventsTotal,
  eventsPerSecond: job.eventsPerSecond,
  etaSeconds: etaSeconds(job.eventsDone, job.eventsTotal, job.eventsPerSecond),
  startedAt: job.startedAt,
  heartbeatAt: job.heartbeatAt,
  stale: job.stale,
});

export async function projectionStatuses({
  sql,
  eventStore,
  prefix,
  projections,
  feedPartitions,
  staleAfterMs = 15_000,
  now = () => new Date(),
}: StatusSources): Promise<ProjectionStatus[]> {
  const admin = adminSchema(prefix);
  const head = await eventStore.headPosition();
  const versions = await readLiveVersions(sql, admin);
  const keys = projections.map((projection) => projection.schema(prefix, versions[projection.name]));
  const checkpoints = await readEffectiveCheckpoints(sql, admin, keys, feedPartitions);
  const running = await jobTable(sql, admin, staleAfterMs)
    .running()
    .catch(() => [] as RebuildJob[]);
  const lagOf = lagReader(eventStore, head, now());
  return Promise.all(
    projections.map(async (projection, i): Promise<ProjectionStatus> => {
      const key = keys[i]!;
      const checkpoint = checkpoints.get(key) ?? 0n;
      const job = running.find((candidate) => candidate.projection === projection.name);
      const lag = await lagOf(checkpoint);
      return {
        name: projection.name,
        version: versions[projection.name],
        schema: key,
        status: job ? 'rebuilding' : 'live',
        ...(job ? { rebuild: rebuildProgress(job, projection.schema(prefix, job.targetVersion)) } : {}),
        checkpoint: checkpoint.toString(),
        headPosition: head.toString(),
        lagEvents: lag.events,
        lagSeconds: lag.seconds,
      };
    }),
  );
}
