import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Identity } from '../auth/identity.js';
import { ruleFor } from '../auth/policy.js';
import { logContext, type Logger } from '../logging/logger.js';
import type { ServiceMetrics } from '../metrics/service-metrics.js';

// Every request gets an id of its own and a correlation id (the caller's X-Correlation-Id when it is a usable token,
// else a new one), both echoed on the answer; once answered, one access-log line says what was asked, by whom, and how
// it ended. Every line logged while handling it carries both ids; commands record the correlation id in their events.

/** What a header that is stored, logged or echoed must be: 1 to 200 visible ASCII characters, no spaces. */
export const HEADER_TOKEN = /^[\x21-\x7e]{1,200}$/;

/** The request's correlation id: echoed as X-Correlation-Id, and recorded in the events a command appends. */
export const correlationIdOf = (res: Response): string => res.locals.correlationId as string;

export interface AccessLogOptions {
  /** Where each answered request is logged (at info); none: not logged. */
  logger?: Logger;
  /** Told each answered request, for the request-duration metric. */
  metrics?: ServiceMetrics;
}

export function accessLog({ logger, metrics }: AccessLogOptions): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    const asked = req.headers['x-correlation-id'];
    const correlationId = typeof asked === 'string' && HEADER_TOKEN.test(asked) ? asked : requestId;
    res.locals.correlationId = correlationId;
    res.setHeader('X-Request-Id', requestId);
    res.setHeader('X-Correlation-Id', correlationId);
    if (logger || metrics)
      res.once('close', () => {
        const identity = res.locals.identity as Identity | undefined;
        const route = ruleFor(req.method, req.path)?.path ?? null;
        const status = res.writableFinished ? res.statusCode : 499;
        const seconds = (performance.now() - started) / 1000;
        metrics?.requestAnswered(req.method, route ?? 'unknown', status, seconds);
        logger?.info('request', {
          requestId,
          correlationId,
          method: req.method,
          route,
          path: req.originalUrl.slice(0, 500),
          status,
          durationMs: Math.round(seconds * 10_000) / 10,
          actor: identity?.name ?? null,
          role: identity?.role ?? null,
        });
      });
    logContext.run({ requestId, correlationId }, next);
  };
}
