import {
  checkpointKey,
  effectiveCheckpoint,
  type GlobalPosition,
  type ProjectionName,
  type RecordedEvent,
  type SqlExecutor,
} from '@order-engine/shared';
import { applyInTransaction, type BatchTarget } from '../runner/batch.js';
import { saveCheckpoint } from '../runner/checkpoints.js';
import { lockCheckpointRows, switchLiveVersion } from '../registry/registry.js';
import type { JobTable } from './jobs.js';
import { compareVersions, type VerifyReport } from './verify.js';

// The switch: one transaction that brings the rebuilt version past the live one and flips the registry.
//
// It locks the live version's checkpoint rows first. The live workers lock their row before every batch, so from
// here to the commit the live version stands still, in every process. The rebuilt version then applies the last
// events (read beforehand: on PGlite the event store shares this database, which a transaction holds) until it has
// applied at least everything the live version has, on every partition. Readers that follow the registry therefore
// never see an older state than the one they saw before, and a read-your-writes position the live version had
// reached is reached by the rebuilt one too. Rows, checkpoint, registry and job commit together or not at all.

export interface SwitchPlan {
  name: ProjectionName;
  /** The rebuilt version: its schema is target.schema, its checkpoint key target.key. */
  target: BatchTarget;
  targetVersion: number;
  live: { version: number; schema: string };
  job: { id: string; owner: string };
  jobs: JobTable;
  /** Kafka's partition count when the workers read Kafka (the live checkpoints are per partition). */
  feedPartitions?: number;
  verify: boolean;
}

export type SwitchOutcome =
  | { switched: true; position: GlobalPosition; verify?: VerifyReport }
  /** The live version has applied events past those in hand: catch up further and try again. */
  | { switched: false; liveAt: GlobalPosition };

/** The job is no longer this process's: another one took it over (this one's heartbeat went stale). */
export class RebuildJobLost extends Error {
  constructor(jobId: string) {
    super(`rebuild job ${jobId} was taken over by another process`);
    this.name = 'RebuildJobLost';
  }
}

/**
 * Tries to switch with the events in hand: `pending` are the projection's events after `checkpoint` (the rebuilt
 * version's), in order, as a filtered readAll gave them, and every event of `$all` up to `reach` is among them or
 * belongs to other streams.
 */
export async function switchOver(
  tx: SqlExecutor,
  plan: SwitchPlan,
  checkpoint: GlobalPosition,
  pending: readonly RecordedEvent[],
  reach: GlobalPosition,
): Promise<SwitchOutcome> {
  const { target, live, feedPartitions } = plan;
  const liveRows = await lockCheckpointRows(tx, target.admin, live.schema);
  const liveMin = effectiveCheckpoint(live.schema, liveRows, feedPartitions);
  const liveMax = [...liveRows.values()].reduce((max, position) => (position > max ? position : max), 0n);
  if ((reach > checkpoint ? reach : checkpoint) < liveMax) return { switched: false, liveAt: liveMax };

  let verify: VerifyReport | undefined;
  let applied = checkpoint;
  if (plan.verify) {
    // Both versions at one position: the live one's. A verifying rebuild's replay never passed it (see rebuild-job.ts).
    const upTo = liveMin > checkpoint ? liveMin : checkpoint;
    await applyInTransaction(tx, target, [
      { source: target.key, events: pending.filter((event) => event.position <= upTo), through: upTo },
    ]);
    applied = upTo;
    const aligned = [...liveRows.values()].every((position) => position === liveMin) && checkpoint <= liveMin;
    verify = await compareVersions(tx, {
      liveSchema: live.schema,
      rebuiltSchema: target.schema,
      tables: target.projection.tables,
      position: upTo,
      exact: aligned,
    });
  }
  const rest = pending.filter((event) => event.position > applied);
  const through = reach > applied ? reach : applied;
  await applyInTransaction(tx, target, [{ source: target.key, events: rest, through }]);
  // A rebuild writes no cache (readers fill it for the new version), so its workers have no cache writes to redo.
  await tx.query(`update ${target.admin}.checkpoints set previous = null where projection = $1`, [target.key]);

  // On Kafka the new version's workers keep a row per partition. The rebuild applied every event up to `through`
  // from the event store, so each partition row starts there: lag and read-your-writes are right from the first
  // second, and the new consumer group, which starts at the earliest offset, skips what it re-reads up to them.
  if (feedPartitions !== undefined) {
    for (let partition = 0; partition < feedPartitions; partition++) {
      const key = checkpointKey(target.key, partition);
      await tx.query(
        `insert into ${target.admin}.checkpoints (projection, position) values ($1, 0) on conflict (projection) do ` +
          `nothing`,
        [key],
      );
      await saveCheckpoint(tx, target.admin, key, through);
    }
  }

  if (!(await switchLiveVersion(tx, target.admin, plan.name, live, plan.targetVersion))) {
    throw new Error(`the live version of ${plan.name} is no longer ${live.version}: another switch happened`);
  }
  const result = {
    fromVersion: live.version,
    toVersion: plan.targetVersion,
    switchedAt: through.toString(),
    ...(verify ? { verify } : {}),
  };
  if (!(await plan.jobs.finish(tx, plan.job.id, plan.job.owner, result, Number(through))))
    throw new RebuildJobLost(plan.job.id);
  return { switched: true, position: through, ...(verify ? { verify } : {}) };
}
