import type { Request, Response } from 'express';
import type { Identity } from '../auth/identity.js';
import type { Problem } from '../http/problem.js';
import type { AuditLog } from './audit-log.js';

/** Where the access middleware records to: the log, and the service's name on each entry. */
export interface AuditTrail {
  log: AuditLog;
  service: string;
}

// Headers, URLs and details carry the caller's text: no control characters or lone surrogates, and short.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSTORABLE = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/gu;
const printable = (value: string, max: number) => value.slice(0, max).replace(UNSTORABLE, '?');
const header = (req: Request, name: string) => {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? printable(value, 200) : null;
};

/** Records the request once its answer is sent (or the caller hung up), with the status it ended with. */
export function auditWhenAnswered(
  trail: AuditTrail,
  req: Request,
  res: Response,
  route: string,
  identity: Identity | undefined,
): void {
  res.once('close', () => {
    const problem = res.locals.problem as Problem | undefined;
    trail.log.record({
      service: trail.service,
      actor: identity?.name ?? 'unknown',
      role: identity?.role ?? null,
      onBehalfOf: identity?.role === 'operator' ? header(req, 'x-actor') : null,
      method: req.method,
      route,
      path: printable(req.originalUrl, 500),
      status: res.writableFinished ? res.statusCode : 499,
      detail: problem?.detail === undefined ? null : printable(problem.detail, 1_000),
      address: req.socket.remoteAddress ?? 'unknown',
      correlationId: header(req, 'x-correlation-id'),
    });
  });
}
