import {
  adminSchema,
  grantReadersOf,
  backoff,
  readEffectiveCheckpoints,
  sleep,
  type BackoffPolicy,
  type EventStore,
  type GlobalPosition,
  type Logger,
  type RecordedEvent,
  type Sql,
} from '@order-engine/shared';
import type { Projection } from '../projections/projection.js';
import { lockLiveVersion, retireSchema, unretireSchema } from '../registry/registry.js';
import { lockSchemaName } from '../registry/janitor.js';
import { batchApplier, type BatchTarget } from '../runner/batch.js';
import { readCheckpoint } from '../runner/checkpoints.js';
import { isInfrastructureFailure } from '../runner/failures.js';
import type { JobTable, RebuildJob } from './jobs.js';
import { rateMeter, type RateMeter } from './progress.js';
import { replayer } from './replay.js';
import type { SharedPages } from './shared-pages.js';
import { RebuildJobLost, switchOver, type SwitchPlan } from './switch-over.js';

// One rebuild job, start to end: create the next version's schema beside the live one, replay `$all` into it in
// large pages (rows, dead letters and the version's own checkpoint in one transaction per page), catch up to the
// head, then switch (switch-over.ts). Everything it has done is in its checkpoint, so a job whose process died is
// resumed by running this again: it continues after the last committed page.

export interface RebuildDeps {
  eventStore: EventStore;
  sql: Sql;
  prefix: string;
  jobs: JobTable;
  logger: Logger;
  feedPartitions?: number;
  pageSize: number;
  /** Pages shared among the jobs running at once (createRebuilds gives one); none: each job reads its own. */
  pages?: SharedPages;
  heartbeatMs: number;
  backoff: BackoffPolicy;
  /** After the switch committed: this process's runners move to the new version at once. */
  onSwitched(): Promise<void>;
}

const PROGRESS_EVERY_MS = 250;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function runRebuild(
  deps: RebuildDeps,
  projection: Projection,
  job: RebuildJob,
  options: { fresh: boolean; signal: AbortSignal },
): Promise<void> {
  const { sql, prefix, jobs } = deps;
  const admin = adminSchema(prefix);
  const schema = projection.schema(prefix, job.targetVersion);
  const logger = deps.logger.child({ rebuild: job.id, schema });
  // Aborted when the service stops, or when a heartbeat finds that another process took the job over.
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.signal.addEventListener('abort', abort, { once: true });
  const state = { checkpoint: 0n, head: 0n, lost: false };
  const meter = rateMeter();
  const progress = () => ({
    eventsDone: Number(state.checkpoint),
    eventsTotal: Number(state.head > state.checkpoint ? state.head : state.checkpoint),
    eventsPerSecond: Math.round(meter.perSecond()),
  });
  const beat = () =>
    jobs.beat(job.id, job.owner, progress()).then(
      (owned) => {
        if (!owned && !controller.signal.aborted) {
          state.lost = true;
          controller.abort();
        }
      },
      (error: unknown) => logger.warn('rebuild heartbeat failed', { error: message(error) }),
    );
  const heartbeat = setInterval(() => void beat(), deps.heartbeatMs);
  // Progress is also reported as pages commit, a few times a second at most, so a progress bar moves smoothly.
  let reportedAt = 0;
  const report = async () => {
    if (Date.now() - reportedAt < PROGRESS_EVERY_MS) return;
    reportedAt = Date.now();
    await beat();
  };

  try {
    await prepareSchema(sql, admin, projection, job, schema, options.fresh);
    logger.info(options.fresh ? 'rebuild started' : 'rebuild resumed', {
      fromVersion: job.fromVersion,
      targetVersion: job.targetVersion,
      verify: job.verify,
    });
    const retry = backoff(deps.backoff);
    for (let failures = 0; ;) {
      try {
        const switched = await replayAndSwitch(
          deps,
          projection,
          job,
          { state, meter, report },
          controller.signal,
          logger,
        );
        if (!switched) break;
        logger.info('rebuild switched readers to the new version', { position: switched.toString(), ...progress() });
        await deps.onSwitched();
        return;
      } catch (error) {
        if (controller.signal.aborted || error instanceof RebuildJobLost) break;
        if (!(await isInfrastructureFailure(sql, error))) throw error;
        failures += 1;
        logger.warn('rebuild interrupted; continuing from its checkpoint', { error: message(error), failures });
        await sleep(retry.next(), controller.signal);
      }
    }
    // Stopped: a clean shutdown hands the job over at once; a job taken over is the other process's now.
    if (!state.lost) await jobs.release(job.id, job.owner).catch(() => undefined);
    logger.info(
      state.lost ? 'rebuild taken over by another process' : 'rebuild stopped; it resumes from its checkpoint',
      progress(),
    );
  } catch (error) {
    logger.error('rebuild failed', { error: message(error) });
    if (await jobs.fail(job.id, job.owner, message(error)).catch(() => false)) {
      // Nobody reads a failed version: the janitor drops it after the grace.
      await sql.transaction((tx) => retireSchema(tx, admin, projection.name, schema)).catch(() => undefined);
    }
  } finally {
    clearInterval(heartbeat);
    options.signal.removeEventListener('abort', abort);
  }
}

/** Creates the version's schema; a fresh job first clears whatever an earlier, failed job left under that name. */
async function prepareSchema(
  sql: Sql,
  admin: string,
  projection: Projection,
  job: RebuildJob,
  schema: string,
  fresh: boolean,
): Promise<void> {
  await sql.transaction(async (tx) => {
    // Never touch a live schema: the job's source version must still be the live one.
    const live = await lockLiveVersion(tx, admin, projection.name, projection.version);
    if (live !== job.fromVersion)
      throw new Error(
        `the live version of ${projection.name} is ${live}, not ${job.fromVersion}: this job is out of date`,
      );
    await lockSchemaName(tx, schema);
    await unretireSchema(tx, admin, schema);
    if (fresh) {
      await tx.exec(`drop schema if exists ${schema} cascade`);
      await tx.query(`delete from ${admin}.checkpoints where split_part(projection, '#', 1) = $1`, [schema]);
      await tx.query(`delete from ${admin}.dead_letters where projection = $1`, [schema]);
    }
    await projection.migrate(tx, schema);
    // The roles that read the read models (the query service's, which may only SELECT) read this version too.
    await grantReadersOf(tx, admin, schema);
  });
}

/** Replays, catches up and switches; the switch position, or undefined when stopped. */
async function replayAndSwitch(
  deps: RebuildDeps,
  projection: Projection,
  job: RebuildJob,
  {
    state,
    meter,
    report,
  }: { state: { checkpoint: GlobalPosition; head: GlobalPosition }; meter: RateMeter; report: () => Promise<void> },
  signal: AbortSignal,
  logger: Logger,
): Promise<GlobalPosition | undefined> {
  const { eventStore, sql, prefix, pageSize, feedPartitions } = deps;
  const admin = adminSchema(prefix);
  const schema = projection.schema(prefix, job.targetVersion);
  const live = { version: job.fromVersion, schema: projection.schema(prefix, job.fromVersion) };
  const target: BatchTarget = { projection, sql, schema, admin, key: schema, logger };
  const applyPage = batchApplier(target);
  const plan: SwitchPlan = {
    name: projection.name,
    target,
    targetVersion: job.targetVersion,
    live,
    job,
    jobs: deps.jobs,
    feedPartitions,
    verify: job.verify,
  };
  // A verifying rebuild stays at or below the live version's checkpoint, so that the switch can compare both at one
  // position.
  const liveCheckpoint = async () =>
    (await readEffectiveCheckpoints(sql, admin, [live.schema], feedPartitions)).get(live.schema) ?? 0n;

  // Where a resumed job stands, for the first report; the replay tells every move after that.
  state.checkpoint = await readCheckpoint(sql, admin, schema);
  const replay = replayer({
    store: eventStore,
    pages: deps.pages,
    pageSize,
    filter: { streamPrefix: projection.streamPrefix },
    ...(job.verify ? { bound: liveCheckpoint } : {}),
    target,
    backoff: deps.backoff,
    onAdvance: (position) => {
      state.checkpoint = position;
      if (position > state.head) state.head = position;
      meter.record(Number(position));
      void report();
    },
  });
  let liveAt = 0n;
  while (!signal.aborted) {
    state.head = await eventStore.headPosition();
    await report();
    if (!(await replay.catchUp(signal))) return undefined;
    // The last events, read before the switch's transaction (which must not wait on the event store: on PGlite it
    // shares the database the transaction holds). Enough of them to pass the live version wherever it stands.
    // Like a page: only the projection's streams, and a short answer covers everything up to the head read first.
    const wanted = Math.min(pageSize * 5, Math.max(pageSize, Number(liveAt - state.checkpoint) + pageSize));
    const head = await eventStore.headPosition();
    const pending: RecordedEvent[] = await eventStore.readAll({
      after: state.checkpoint,
      to: head,
      limit: wanted,
      filter: { streamPrefix: projection.streamPrefix },
    });
    const reach = pending.length < wanted ? head : pending.at(-1)!.position;
    let outcome;
    try {
      outcome = await sql.transaction((tx) => switchOver(tx, plan, state.checkpoint, pending, reach));
    } catch (error) {
      if (error instanceof RebuildJobLost || reach <= state.checkpoint || (await isInfrastructureFailure(sql, error)))
        throw error;
      // An event in hand cannot be applied: apply them the ordinary way, which sets it aside, then switch again.
      logger.warn('the switch could not apply the last events; applying them one batch at a time first', {
        error: message(error),
      });
      await applyPage([{ source: schema, events: pending, through: reach }]);
      state.checkpoint = reach;
      continue;
    }
    if (outcome.switched) {
      state.checkpoint = outcome.position;
      state.head = outcome.position > state.head ? outcome.position : state.head;
      return outcome.position;
    }
    // The live version passed the events in hand meanwhile: catch up further and try again.
    liveAt = outcome.liveAt;
    logger.debug('the live version moved past the rebuild; catching up again', {
      liveAt: liveAt.toString(),
      checkpoint: state.checkpoint.toString(),
    });
  }
  return undefined;
}
