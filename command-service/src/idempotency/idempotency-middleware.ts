import type { RequestHandler, Response } from 'express';
import { HttpProblem, problemType, type Logger, type RecordedEvent } from '@order-engine/shared';
import { readIdempotencyKey } from '../http/request-metadata.js';
import { BodyTooDeep, requestFingerprint } from './fingerprint.js';
import type { IdempotencyStore, StoredAnswer } from './idempotency-store.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REPLAYED = 'Idempotent-Replayed';
const KEPT_HEADERS = ['content-type', 'location'];
const RECOVERED = 'idempotencyRecoveredEvents';

/**
 * The events this request's command appended in an earlier attempt whose answer was lost (its process died between
 * the append and the answer): the route answers from them (CommandHandler.recovered*) instead of running it again.
 */
export const recoveredEvents = (res: Response): readonly RecordedEvent[] | undefined =>
  res.locals[RECOVERED] as RecordedEvent[] | undefined;

// A retry makes sense after these, so they are not kept: the next request with the key executes again.
const isRetryable = (status: number, body: unknown): boolean =>
  status >= 500 ||
  (status === 409 && (body as { type?: unknown } | null)?.type === problemType('concurrency-conflict'));

function answerOf(res: Response, body: unknown): StoredAnswer {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  for (const name of KEPT_HEADERS) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return { status: res.statusCode, headers, body: JSON.stringify(body) };
}

function replay(res: Response, answer: StoredAnswer): void {
  res.status(answer.status).set(answer.headers).set(REPLAYED, 'true').send(answer.body);
}

function fingerprintOf(method: string, url: string, body: unknown): string {
  try {
    return requestFingerprint(method, url, body);
  } catch (error) {
    if (error instanceof BodyTooDeep) throw new HttpProblem(400, 'body-too-deep', 'Bad Request', error.message);
    throw error;
  }
}

/** Executes a request that carries an Idempotency-Key once; a repeat gets the first answer. */
/** onReplay: told each repeat answered without executing (a stored answer, or one recovered from the events). */
export function idempotency(store: IdempotencyStore, logger: Logger, onReplay: () => void = () => {}): RequestHandler {
  return async (req, res, next) => {
    if (!UNSAFE_METHODS.has(req.method)) return next();
    const key = readIdempotencyKey(req);
    if (key === undefined) return next();

    const claim = await store.claim(key, fingerprintOf(req.method, req.originalUrl, req.body));
    if (claim.kind === 'replay') {
      onReplay();
      return replay(res, claim.answer);
    }
    if (claim.kind === 'mismatch') {
      throw new HttpProblem(
        422,
        'idempotency-key-reused',
        'Unprocessable Content',
        'this Idempotency-Key was already used for a different request',
      );
    }
    if (claim.kind === 'in-progress') {
      res.setHeader('Retry-After', '1');
      throw new HttpProblem(
        409,
        'idempotency-key-in-use',
        'Conflict',
        'a request with this Idempotency-Key is still being executed; retry shortly',
      );
    }

    if (claim.kind === 'recover') {
      onReplay();
      res.locals[RECOVERED] = claim.events;
      res.setHeader(REPLAYED, 'true');
    }

    // Keep the answer before sending it: a repeat that arrives right after the client got it must find it stored.
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const answer = answerOf(res, body);
      const keep = isRetryable(answer.status, body) ? store.release(key) : store.complete(key, answer);
      // The command has run either way: a failure to keep its answer is logged, and the client still gets it.
      void keep
        .catch((error: unknown) => logger.error('could not store the idempotent answer', { key, error: String(error) }))
        .then(() => send(body))
        .catch((error: unknown) => logger.error('could not send the answer', { key, error: String(error) }));
      return res;
    };
    next();
  };
}
