import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import {
  AlreadyExists,
  DomainError,
  InsufficientStock,
  InvalidOrder,
  InvalidTransition,
  NotFound,
  PaymentMismatch,
  ProductUnavailable,
  StockLimitExceeded,
  UnpriceableOrder,
} from '../domain/errors.js';
import { Overloaded } from '../async/admission-limiter.js';
import { RetryLater } from '../async/retry-later.js';
import { EventStoreUnavailable, WrongExpectedRevision } from '../event-store/errors.js';
import type { Logger } from '../logging/logger.js';
import { SqlUnavailable } from '../sql/pg-sql.js';
import { HttpProblem, problemType, type Problem } from './problem.js';

const domainStatus = (error: DomainError): number => {
  if (error instanceof NotFound) return 404;
  if (
    error instanceof PaymentMismatch ||
    error instanceof InvalidOrder ||
    error instanceof UnpriceableOrder ||
    error instanceof StockLimitExceeded
  )
    return 422;
  if (
    error instanceof AlreadyExists ||
    error instanceof InsufficientStock ||
    error instanceof ProductUnavailable ||
    error instanceof InvalidTransition
  )
    return 409;
  return 409;
};

const titles: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const problem = (status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem => ({
  type: problemType(code),
  title: titles[status] ?? 'Error',
  status,
  detail,
  ...extra,
});

/** Body-parser and other http-errors style failures carry `status` and `type`. */
const isHttpError = (error: unknown): error is { status: number; type?: string; message: string } =>
  typeof error === 'object' && error !== null && typeof (error as { status?: unknown }).status === 'number';

export function toProblem(error: unknown): Problem {
  if (error instanceof ZodError) {
    return problem(400, 'validation-failed', 'the request does not match the expected shape', {
      errors: error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message })),
    });
  }
  if (error instanceof DomainError) {
    const { message, name: _name, stack: _stack, ...fields } = error as DomainError & Record<string, unknown>;
    return problem(domainStatus(error), error.code, message, fields);
  }
  if (error instanceof WrongExpectedRevision) {
    return problem(409, 'concurrency-conflict', `${error.streamId} was changed concurrently; retry the command`);
  }
  if (error instanceof HttpProblem) {
    return {
      type: problemType(error.code),
      title: error.title,
      status: error.status,
      detail: error.message,
      ...error.extensions,
    };
  }
  if (error instanceof EventStoreUnavailable)
    return problem(503, 'unavailable', 'the event store is unavailable; retry later');
  if (error instanceof SqlUnavailable) return problem(503, 'unavailable', 'the database is unavailable; retry later');
  if (error instanceof Overloaded) return problem(503, 'overloaded', error.message);
  if (error instanceof RetryLater) return problem(503, error.code, error.message);
  if (isHttpError(error) && error.status >= 400 && error.status < 500) {
    if (error.type === 'entity.parse.failed') return problem(400, 'malformed-json', 'the body is not valid JSON');
    if (error.type === 'entity.too.large') return problem(413, 'body-too-large', 'the body is larger than the limit');
    if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported')
      return problem(415, 'unsupported-encoding', error.message);
    return problem(error.status, 'bad-request', error.message);
  }
  return problem(500, 'internal', 'an unexpected error occurred; it has been logged');
}

export const errorHandler =
  (logger: Logger): ErrorRequestHandler =>
  (error, req, res, _next) => {
    const body = toProblem(error);
    // Refusals under overload come by the thousand a second and are expected: logging each would add to the load.
    if (body.status >= 500 && !(error instanceof Overloaded))
      logger.error('request failed', {
        method: req.method,
        path: req.path,
        error: String((error as Error)?.stack ?? error),
      });
    if (body.status === 503) res.setHeader('Retry-After', '1');
    // For the audit log, which records how a request ended.
    res.locals.problem = body;
    res.status(body.status).type('application/problem+json').json(body);
  };

export const notFoundHandler: RequestHandler = (req, res) => {
  const body = problem(404, 'no-route', `no route for ${req.method} ${req.path}`);
  res.status(404).type('application/problem+json').json(body);
};
