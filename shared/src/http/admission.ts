import type { RequestHandler } from 'express';
import type { AdmissionLimiter } from '../async/admission-limiter.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Admits each write request through the limiter, holding its slot until the answer is sent or the client has gone;
 * a refusal (Overloaded) goes to the error middleware. Reads pass untouched, so queries and /health keep answering.
 */
export const admission =
  (limiter: AdmissionLimiter): RequestHandler =>
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
    limiter.admit().then((admitted) => {
      // A client that hung up while waiting frees its slot at once rather than running its command for nobody.
      if (gone) return admitted();
      release = admitted;
      next();
    }, next);
  };
