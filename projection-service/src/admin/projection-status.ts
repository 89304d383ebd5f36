import { adminSchema, readEffectiveCheckpoints, type EventStore, type GlobalPosition, type SqlExecutor } from '@order-engine/shared';
import type { Projection } from '../projections/projection.js';

// What operations watch: where each projection stands against the head of `$all`. Read from the checkpoints
// table, not from the runners, so it is right whichever processes run the workers (on Kafka: several, each with
// some partitions).

export interface ProjectionStatus {
  name: string;
  version: number;
  schema: string;
  status: 'live';
  /** Every event up to this position is applied (decimal string: positions are int8). */
  checkpoint: string;
  headPosition: string;
  /** Positions between checkpoint and head (a failed append's unused position counts too). */
  lagEvents: number;
  /** Age of the oldest event not yet applied; 0 when caught up. */
  lagSeconds: number;
}

export interface StatusSources {
  sql: SqlExecutor;
  eventStore: EventStore;
  prefix: string;
  projections: readonly Projection[];
  /** The Kafka topic's partition count when the projections read Kafka; undefined on the global feed. */
  feedPartitions?: number;
  now?: () => Date;
}

export async function projectionStatuses({ sql, eventStore, prefix, projections, feedPartitions, now = () => new Date() }: StatusSources): Promise<ProjectionStatus[]> {
  const head = await eventStore.headPosition();
  const keys = projections.map((projection) => projection.schema(prefix));
  const checkpoints = await readEffectiveCheckpoints(sql, adminSchema(prefix), keys, feedPartitions);
  const at = now();
  // Projections usually stand at the same checkpoint: read the oldest pending event once per checkpoint.
  const lagByCheckpoint = new Map<GlobalPosition, Promise<number>>();
  const lagSeconds = (checkpoint: GlobalPosition): Promise<number> => {
    if (checkpoint >= head) return Promise.resolve(0);
    let lag = lagByCheckpoint.get(checkpoint);
    if (!lag) {
      lag = eventStore.readAll({ after: checkpoint, limit: 1 }).then(([oldest]) => (oldest ? Math.max(0, (at.getTime() - oldest.recordedAt.getTime()) / 1000) : 0));
      lagByCheckpoint.set(checkpoint, lag);
    }
    return lag;
  };
  return Promise.all(
    projections.map(async (projection, i) => {
      const key = keys[i]!;
      const checkpoint = checkpoints.get(key) ?? 0n;
      return {
        name: projection.name,
        version: projection.version,
        schema: key,
        status: 'live' as const,
        checkpoint: checkpoint.toString(),
        headPosition: head.toString(),
        lagEvents: checkpoint >= head ? 0 : Number(head - checkpoint),
        lagSeconds: await lagSeconds(checkpoint),
      };
    }),
  );
}
