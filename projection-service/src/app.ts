import {
  createApp,
  finishApp,
  HttpProblem,
  type Logger,
  type AccessOptions,
  type AuditLog,
  type ReadinessChecks,
  type ServiceMetrics,
} from '@order-engine/shared';
import type { Express } from 'express';
import type { DeadLetters } from './admin/dead-letters.js';
import {
  AuditQuery,
  DeadLetterQuery,
  JobParams,
  LetterParams,
  NameParams,
  projectionApi,
  RebuildBody,
  RebuildQuery,
  type RebuildJobView,
} from './admin/projection-api.js';
import type { ProjectionStatus } from './admin/projection-status.js';
import { consoleRoutes, type ConsoleOptions } from './console/console-routes.js';
import type { RebuildJob } from './rebuild/jobs.js';
import { etaSeconds } from './rebuild/progress.js';
import type { Rebuilds } from './rebuild/rebuilds.js';

/** The admin API: health, status and lag, rebuilds, dead letters, the audit log. */
export interface ProjectionAppDeps {
  access: AccessOptions;
  audit: AuditLog;
  metrics?: ServiceMetrics;
  statuses: () => Promise<ProjectionStatus[]>;
  rebuilds: Rebuilds;
  deadLetters: DeadLetters;
  logger: Logger;
  /** What GET /ready checks. */
  ready: ReadinessChecks;
  readyTimeoutMs?: number;
  /** The operator console at /console/; none: not served (tests about something else). */
  console?: ConsoleOptions;
}

const stringQuery = (query: object) =>
  Object.fromEntries(Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));

/** A job as the API shows it: progress with its rate and ETA, and the result (verify report) once done. */
export const jobView = (job: RebuildJob): RebuildJobView => ({
  jobId: job.id,
  projection: job.projection,
  status: job.status,
  fromVersion: job.fromVersion,
  targetVersion: job.targetVersion,
  verify: job.verify,
  eventsDone: job.eventsDone,
  eventsTotal: job.eventsTotal,
  eventsPerSecond: job.eventsPerSecond,
  etaSeconds: job.status === 'running' ? etaSeconds(job.eventsDone, job.eventsTotal, job.eventsPerSecond) : 0,
  startedAt: job.startedAt,
  heartbeatAt: job.heartbeatAt,
  finishedAt: job.finishedAt,
  stale: job.stale,
  result: job.result,
  error: job.error,
});

export function createProjectionApp(deps: ProjectionAppDeps): Express {
  const { rebuilds, deadLetters } = deps;
  const app = createApp('projection-service', {
    ready: deps.ready,
    readyTimeoutMs: deps.readyTimeoutMs,
    access: deps.access,
    audit: deps.audit,
    logger: deps.logger,
    metrics: deps.metrics,
    api: projectionApi(),
  });

  app.get('/projections', async (_req, res) => {
    res.json(await deps.statuses());
  });

  // 202: the rebuild runs in the background; poll the Location for its progress.
  app.post('/projections/:name/rebuild', async (req, res) => {
    const { name } = NameParams.parse(req.params);
    const verify = RebuildQuery.parse(req.query).verify ?? RebuildBody.optional().parse(req.body)?.verify ?? false;
    const { job, resumed } = await rebuilds.request(name, { verify });
    const location = `/projections/${name}/rebuilds/${job.id}`;
    res
      .status(202)
      .location(location)
      .json({ ...jobView(job), resumed, location });
  });

  app.get('/projections/:name/rebuilds/:jobId', async (req, res) => {
    const { name, jobId } = JobParams.parse(req.params);
    const job = await rebuilds.find(jobId);
    if (!job || job.projection !== name)
      throw new HttpProblem(404, 'not-found', 'Not Found', `${name} has no rebuild ${jobId}`);
    res.json(jobView(job));
  });

  app.get('/projections/:name/dead-letters', async (req, res) => {
    const { name } = NameParams.parse(req.params);
    res.json({ items: await deadLetters.list(name, DeadLetterQuery.parse(req.query)) });
  });

  app.get('/projections/:name/dead-letters/:id', async (req, res) => {
    const { name, id } = LetterParams.parse(req.params);
    res.json(await deadLetters.get(name, id));
  });

  // 200 when applied; 422 when the event still cannot be applied (the letter stays, with the new error).
  app.post('/projections/:name/dead-letters/:id/retry', async (req, res) => {
    const { name, id } = LetterParams.parse(req.params);
    const outcome = await deadLetters.retry(name, id);
    if (!outcome.retried)
      throw new HttpProblem(422, 'dead-letter-still-failing', 'Unprocessable Content', outcome.error, { id });
    res.json({ id, ...outcome });
  });

  app.get('/audit', async (req, res) => {
    const filter = AuditQuery.parse(req.query);
    const items = await deps.audit.page(filter);
    // The next page: the same filters, older than the last entry here.
    const last = items.length === filter.limit ? items.at(-1) : undefined;
    const next = last && `/audit?${new URLSearchParams({ ...stringQuery(req.query), before: last.id })}`;
    res.json({ items, next: next ?? null });
  });

  if (deps.console) app.use(consoleRoutes(deps.console));

  return finishApp(app, deps.logger);
}
