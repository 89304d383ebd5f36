import {
  adminSchema,
  lagReader,
  readEffectiveCheckpoints,
  readLiveVersions,
  type EventStore,
  type SqlExecutor,
} from '@order-engine/shared';
import { z } from 'zod';
import type { Projection } from '../projections/projection.js';
import { jobTable, type RebuildJob } from '../rebuild/jobs.js';
import { etaSeconds } from '../rebuild/progress.js';

// What operations watch: where each projection's live version stands against the head of `$all`, and how far a
// rebuild has come. Read from the database (registry, checkpoints, job table), not from this process's runners, so
// it is right whichever processes run the workers and the rebuild.

const Position = z.string().regex(/^\d+$/).meta({ description: 'A position of `$all` (decimal: positions are int8).' });

export const RebuildProgress = z.object({
  jobId: z.uuid(),
  targetVersion: z.int(),
  schema: z.string(),
  verify: z.boolean(),
  /** Positions of `$all` replayed into the new version, and up to the head. */
  eventsDone: z.number(),
  eventsTotal: z.number(),
  eventsPerSecond: z.number(),
  etaSeconds: z.number().nullable().meta({ description: 'Null until a rate is known.' }),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  stale: z.boolean().meta({
    description: 'The process running it stopped beating: the next POST, or any projection service start, resumes it.',
  }),
});
export type RebuildProgress = z.infer<typeof RebuildProgress>;

export const ProjectionStatus = z
  .object({
    name: z.string(),
    version: z.int().meta({ description: 'The live version: the one queries read.' }),
    schema: z.string(),
    status: z.enum(['live', 'rebuilding']),
    rebuild: RebuildProgress.optional().meta({ description: 'Present while status is rebuilding.' }),
    checkpoint: Position.meta({ description: 'Every event up to this position is applied.' }),
    headPosition: Position,
    lagEvents: z
      .number()
      .meta({ description: "Positions between checkpoint and head (a failed append's unused position counts too)." }),
    lagSeconds: z.number().meta({
      description:
        'Age of the oldest event not yet applied (0 when caught up): it grows while the projection is behind.',
    }),
  })
  .meta({ id: 'ProjectionStatus' });
export type ProjectionStatus = z.infer<typeof ProjectionStatus>;

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
