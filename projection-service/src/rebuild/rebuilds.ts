import { randomUUID } from 'node:crypto';
import { adminSchema, DomainError, NotFound, RetryLater, type Logger, type ProjectionName } from '@order-engine/shared';
import { lockLiveVersion } from '../registry/registry.js';
import type { Projection } from '../projections/projection.js';
import type { JobTable, RebuildJob } from './jobs.js';
import { runRebuild, type RebuildDeps } from './rebuild-job.js';
import { sharedPages } from './shared-pages.js';

// Starts rebuilds and resumes those whose process died. "One at a time per projection" holds across every instance
// on the database: the job table's unique index admits one running job per projection, and a running job whose
// heartbeat is fresh belongs to a live process (409), while a stale one is taken over (compare-and-set on the
// heartbeat, so only one process wins) and resumed from its checkpoint.

/** A rebuild of the projection is alive in some process: a second one waits until it ends (409). */
export class RebuildAlreadyRunning extends DomainError {
  readonly code = 'rebuild-running';
  readonly jobId: string;
  constructor(job: RebuildJob) {
    super(
      `a rebuild of ${job.projection} is already running (job ${job.id}, ${job.eventsDone} of ${job.eventsTotal} ` +
        `events)`,
    );
    this.jobId = job.id;
  }
}

export interface Rebuilds {
  /**
   * Starts a rebuild, or resumes the projection's stale one; throws RebuildAlreadyRunning when one is alive elsewhere.
   */
  request(name: ProjectionName, options: { verify: boolean }): Promise<{ job: RebuildJob; resumed: boolean }>;
  find(id: string): Promise<RebuildJob | undefined>;
  /** Takes over and resumes every running job whose heartbeat is stale. */
  resumeStale(): Promise<void>;
  /** Resolves when the job, if this process runs it, has ended (switched, failed or stopped). */
  settled(id: string): Promise<void>;
  /** Stops this process's jobs; each stays resumable from its checkpoint. */
  stop(): Promise<void>;
}

export interface RebuildsOptions extends Omit<RebuildDeps, 'jobs'> {
  jobs: JobTable;
  projections: readonly Projection[];
  /** This process's name in the job table. */
  owner: string;
}

export function createRebuilds(options: RebuildsOptions): Rebuilds {
  const { jobs, projections, owner, sql, prefix, eventStore } = options;
  const logger: Logger = options.logger.child({ component: 'rebuilds' });
  const admin = adminSchema(prefix);
  const local = new Map<string, Promise<void>>();
  const controller = new AbortController();
  // Jobs running at once read each page of `$all` they have in common once.
  const pages = sharedPages(eventStore);

  const projectionNamed = (name: ProjectionName): Projection => {
    const projection = projections.find((candidate) => candidate.name === name);
    if (!projection) throw new NotFound('projection', name);
    return projection;
  };

  const launch = (job: RebuildJob, fresh: boolean) => {
    const running = runRebuild({ ...options, jobs, pages }, projectionNamed(job.projection), job, {
      fresh,
      signal: controller.signal,
    })
      .catch((error: unknown) => logger.error('rebuild crashed', { jobId: job.id, error: String(error) }))
      .finally(() => local.delete(job.id));
    local.set(job.id, running);
  };

  const takeOver = async (job: RebuildJob): Promise<RebuildJob | undefined> => {
    if (controller.signal.aborted || local.has(job.id)) return undefined;
    const taken = await jobs.takeOver(job.id, owner);
    if (taken) launch(taken, false);
    return taken;
  };

  return {
    async request(name, { verify }) {
      const projection = projectionNamed(name);
      if (controller.signal.aborted) throw new RetryLater('stopping', 'the projection service is stopping');
      // Twice at most: a job that ends between the failed insert and the look-up frees the slot.
      for (let attempt = 0; attempt < 2; attempt++) {
        // Read before the job exists, so that its first view already says how much there is to do.
        const head = await eventStore.headPosition();
        // Under the registry row's lock: a switch committing meanwhile cannot leave this job aiming at the version it
        // just made live (whose schema a fresh job would drop).
        const job = await sql.transaction(async (tx) => {
          const live = await lockLiveVersion(tx, admin, projection.name, projection.version);
          return jobs.insert(tx, {
            id: randomUUID(),
            projection: projection.name,
            fromVersion: live,
            targetVersion: live + 1,
            verify,
            owner,
            eventsTotal: head,
          });
        });
        if (job) {
          launch(job, true);
          return { job, resumed: false };
        }
        const [running] = await jobs.running(projection.name);
        if (!running) continue;
        if (!running.stale || local.has(running.id)) throw new RebuildAlreadyRunning(running);
        const taken = await takeOver(running);
        if (taken) return { job: taken, resumed: true };
        // Someone else took it over first: it is alive again.
        const now = await jobs.find(running.id);
        throw new RebuildAlreadyRunning(now ?? running);
      }
      throw new RetryLater('rebuild-busy', `rebuilds of ${name} are starting and ending too fast; retry`);
    },
    find: (id) => jobs.find(id),
    async resumeStale() {
      for (const job of await jobs.running()) {
        if (!job.stale || !projections.some((projection) => projection.name === job.projection)) continue;
        if (await takeOver(job))
          logger.info('resuming a rebuild whose process stopped', { jobId: job.id, projection: job.projection });
      }
    },
    async settled(id) {
      await local.get(id);
    },
    async stop() {
      controller.abort();
      await Promise.all(local.values());
    },
  };
}
