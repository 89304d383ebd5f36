import type { RequestHandler } from 'express';
import type { Cache } from '../cache/cache.js';
import type { EventStore } from '../event-store/event-store.js';
import type { SqlExecutor } from '../sql/sql.js';

// GET /ready: whether this process can do its work now, dependency by dependency. GET /health stays a cheap liveness
// answer (the process runs); /ready asks each dependency, each within a bound, so a dependency that hangs makes it
// answer 503 naming that dependency rather than hang the probe.

/** Resolves when the dependency is usable; rejects (or throws) saying why not. */
export type ReadinessCheck = () => unknown;

/** The checks of one service, by the name /ready reports them under. */
export type ReadinessChecks = Record<string, ReadinessCheck>;

export interface ReadinessReport {
  ready: boolean;
  /** 'ok', or why the dependency is not usable. */
  checks: Record<string, string>;
  failing: string[];
}

/** Runs every check at once, each bounded by timeoutMs. */
export async function checkReadiness(checks: ReadinessChecks, timeoutMs: number): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const outcomes = await Promise.all(names.map((name) => bounded(checks[name]!, timeoutMs)));
  const report: ReadinessReport = { ready: true, checks: {}, failing: [] };
  names.forEach((name, index) => {
    const failure = outcomes[index];
    report.checks[name] = failure ?? 'ok';
    if (failure !== undefined) report.failing.push(name);
  });
  report.ready = report.failing.length === 0;
  return report;
}

/** Undefined when the check passed; else why it failed. */
async function bounded(check: ReadinessCheck, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>(
    (resolve) => (timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)),
  );
  const run = (async () => {
    try {
      await check();
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** 200 with every check 'ok', or 503 naming the failing ones. */
export const readyRoute =
  (service: string, checks: ReadinessChecks, timeoutMs: number): RequestHandler =>
  (_req, res, next) => {
    checkReadiness(checks, timeoutMs).then((report) => {
      res.setHeader('Cache-Control', 'no-store');
      if (!report.ready) res.setHeader('Retry-After', '1');
      res.status(report.ready ? 200 : 503).json({
        status: report.ready ? 'ready' : 'unavailable',
        service,
        failing: report.failing,
        checks: report.checks,
      });
    }, next);
  };

/** A database answers a trivial statement. */
export const databaseReady =
  (sql: SqlExecutor): ReadinessCheck =>
  () =>
    sql.query('select 1');

/** The event store answers a read of its head (EventStoreDB as well as PostgreSQL). */
export const eventStoreReady =
  (eventStore: EventStore): ReadinessCheck =>
  () =>
    eventStore.headPosition();

/** The shared cache (Redis) answers a read: a miss is an answer too. */
export const cacheReady =
  (cache: Cache): ReadinessCheck =>
  () =>
    cache.get('ready-probe');
