import type { RequestHandler } from 'express';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { ruleFor } from '../auth/policy.js';
import { carrierInHeaders, contextOf } from '../tracing/trace-carrier.js';
import { tracer } from '../tracing/tracer.js';

// Every request but the probes in a server span `METHOD route` (the policy table's pattern, so ids make no new
// names), continuing the caller's trace when it sent a W3C `traceparent`; commands it runs are children of it.

const PROBES = new Set(['/health', '/ready']);

export const requestSpans: RequestHandler = (req, res, next) => {
  if (PROBES.has(req.path)) return next();
  const parent = contextOf(carrierInHeaders(req.headers)) ?? ROOT_CONTEXT;
  const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER }, parent);
  // Tracing off (or the trace not sampled): nothing more, not even the route's lookup.
  if (!span.isRecording()) return next();
  const route = ruleFor(req.method, req.path)?.path;
  if (route) span.updateName(`${req.method} ${route}`);
  span.setAttributes({
    [ATTR_HTTP_REQUEST_METHOD]: req.method,
    [ATTR_URL_PATH]: req.path,
    ...(route && { [ATTR_HTTP_ROUTE]: route }),
  });
  res.once('close', () => {
    // 499: the client went away before its answer was sent, as the access log says.
    const status = res.writableFinished ? res.statusCode : 499;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
};
