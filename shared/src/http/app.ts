import express, { type Express, type RequestHandler } from 'express';
import type { AuditLog } from '../audit/audit-log.js';
import { accessControl, identityOf, type AccessOptions } from '../auth/access.js';
import type { Logger } from '../logging/logger.js';
import { metricsRoute, type ServiceMetrics } from '../metrics/service-metrics.js';
import { accessLog } from './access-log.js';
import { admission, shedAtOnce, type Admission } from './admission.js';
import type { OpenApiDocument } from './openapi/api-description.js';
import { apiDocsRoutes } from './openapi/api-docs-routes.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { HttpProblem } from './problem.js';
import { readyRoute, type ReadinessChecks } from './readiness.js';
import { requestSpans } from './request-span.js';

export const BODY_LIMIT = '1mb';
const parseJson = express.json({ limit: BODY_LIMIT, strict: true });

// A body that is not JSON would otherwise reach validation as `undefined`: say what is wrong instead.
const jsonBody: RequestHandler = (req, res, next) => {
  const { 'content-length': length, 'transfer-encoding': encoding } = req.headers;
  // A request without a body (every GET) skips the parser altogether: a query service answers thousands a second.
  if (length === undefined && encoding === undefined) {
    next();
    return;
  }
  if ((Number(length) > 0 || encoding !== undefined) && !req.is('application/json')) {
    next(new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', 'send the body as application/json'));
    return;
  }
  parseJson(req, res, next);
};

export interface AppOptions {
  /** Who may call what (the policy table); NO_AUTH only where nobody but this machine can connect. */
  access: AccessOptions;
  /** More fields for the GET /health answer, read at each request (e.g. cache counters). */
  health?: () => Record<string, unknown>;
  /** What GET /ready asks, by the name it reports (database, cache, Kafka membership, ...); none: always ready. */
  ready?: ReadinessChecks;
  /** How long each readiness check may take before it counts as failing (default 2 s). */
  readyTimeoutMs?: number;
  /** Where each answered request is logged (at info); none: no access log. */
  logger?: Logger;
  /** The service's Prometheus registry, served at GET /metrics and told every answered request; none: no /metrics. */
  metrics?: ServiceMetrics;
  /** Where refusals and operator actions are recorded; none: not recorded (tests about something else). */
  audit?: AuditLog;
  /** Load shedding for write requests: refused before the body is read (and, when at once, before credentials). */
  admission?: Admission;
  /** The API's description, served at GET /openapi.json and rendered at GET /docs; none: neither (tests). */
  api?: OpenApiDocument;
}

/**
 * An Express app with the project's JSON parsing, health route and problem answers. Add routes, then call finishApp.
 */
export function createApp(service: string, options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // The request's span before all (a no-op with tracing off), so that refusals are traced too; then ids and the access
  // log, so that refused requests are logged and answered with their ids too.
  app.use(requestSpans);
  app.use(accessLog(options));
  if (options.admission) app.use(shedAtOnce(options.admission));
  // Then access: a refused caller costs nothing else, not even a place in the admission queue.
  app.use(accessControl(options.access, options.audit && { log: options.audit, service }));
  if (options.admission) app.use(admission(options.admission));
  app.use(jsonBody);
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service, ...options.health?.() });
  });
  app.get('/identity', (_req, res) => {
    const { name, role, customerId } = identityOf(res);
    res.set('Cache-Control', 'no-store').json({ name, role, ...(customerId === undefined ? {} : { customerId }) });
  });
  app.get('/ready', readyRoute(service, options.ready ?? {}, options.readyTimeoutMs ?? 2_000));
  if (options.metrics) app.get('/metrics', metricsRoute(options.metrics.registry));
  if (options.api) app.use(apiDocsRoutes(options.api));
  return app;
}

/** Adds the 404 and error handlers: call after the last route. */
export function finishApp(app: Express, logger: Logger): Express {
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
