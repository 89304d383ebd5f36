import type { Request, RequestHandler } from 'express';
import type { AdmissionLimiter, Overloaded } from '../async/admission-limiter.js';
import { toProblem } from './error-handler.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Admission {
  limiter: AdmissionLimiter;
  /** Told of each write request refused for lack of capacity (for the service's metrics). */
  onShed?: (req: Request, refusal: Overloaded) => void;
}

/**
 * The cheap refusal, right after the request's ids: a write request the limiter would refuse at once is answered 503
 * here, before credentials are checked or Express renders an error, so that a flood past capacity costs the service
 * little more than parsing each request. A page's request (with Origin) takes the full path, for its CORS headers.
 */
export const shedAtOnce =
  ({ limiter, onShed }: Admission): RequestHandler =>
  (req, res, next) => {
    const refusal = READS.has(req.method) || req.headers.origin !== undefined ? undefined : limiter.refuseNow();
    if (!refusal) {
      next();
      return;
    }
    onShed?.(req, refusal);
    const body = JSON.stringify(toProblem(refusal));
    res.writeHead(503, {
      'Content-Type': 'application/problem+json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Retry-After': '1',
    });
    res.end(body);
  };

/**
 * Admits each write request through the limiter, holding its slot until the answer is sent or the client has gone;
 * a refusal (Overloaded) goes to the error middleware. Reads pass untouched, so queries and /health keep answering.
 */
export const admission =
  ({ limiter, onShed }: Admission): RequestHandler =>
  (req, res, next) => {
    if (READS.has(req.method)) {
      next();
      return;
    }
    let gone = false;
    let release: (() => void) | undefined;
    res.once('close', () => {
      gone = true;
      release?.();
    });
    limiter.admit().then(
      (admitted) => {
        // A client that hung up while waiting frees its slot at once rather than running its command for nobody.
        if (gone) return admitted();
        release = admitted;
        next();
      },
      (refusal: Overloaded) => {
        onShed?.(req, refusal);
        next(refusal);
      },
    );
  };
