import type { Request, Response } from 'express';
import { z } from 'zod';
import { correlationIdOf, HEADER_TOKEN, HttpProblem, identityOf, type EventMetadata } from '@order-engine/shared';

/** Visible ASCII, no spaces: safe to store, log and echo. */
export const HeaderToken = z.string().regex(HEADER_TOKEN, '1 to 200 visible ASCII characters');

/** The headers every command route reads, as the API description names them. */
export const CommandHeaders = z.object({
  'Idempotency-Key': HeaderToken.optional().meta({
    description: 'Executes the command once: a repeat with the same key and request gets the first answer.',
  }),
  'X-Correlation-Id': HeaderToken.optional().meta({
    description: 'Recorded in the events the command appends, and echoed; default: the request id.',
  }),
  'X-Actor': HeaderToken.optional().meta({
    description: 'An operator acting for someone names them here; recorded as onBehalfOf. Ignored for other roles.',
  }),
});

export const IDEMPOTENCY_KEY = 'idempotency-key';
const CORRELATION_ID = 'x-correlation-id';
const ACTOR = 'x-actor';

function headerToken(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  if (value === undefined) return undefined;
  const parsed = HeaderToken.safeParse(value);
  if (!parsed.success) {
    throw new HttpProblem(
      400,
      'invalid-header',
      'Bad Request',
      `the ${name} header must be 1 to 200 visible ASCII characters`,
      {
        errors: [{ path: `headers.${name}`, message: parsed.error.issues[0]?.message ?? 'invalid' }],
      },
    );
  }
  return parsed.data;
}

/** Who asked and why, written into every event the request causes: the caller is its authenticated identity. */
export function requestMetadata(req: Request, res: Response): EventMetadata {
  const { name, role } = identityOf(res);
  // Only an operator may say whom it acts for; anyone else's X-Actor is ignored.
  const onBehalfOf = role === 'operator' ? headerToken(req, ACTOR) : undefined;
  // Refused when malformed; when absent, the id the access log gave the request (and echoed on its answer).
  const correlationId = headerToken(req, CORRELATION_ID) ?? correlationIdOf(res);
  const idempotencyKey = headerToken(req, IDEMPOTENCY_KEY);
  return {
    correlationId,
    // An HTTP request has no causing event: the request itself (its correlation id) is the cause.
    causationId: correlationId,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    actor: name,
    role,
    ...(onBehalfOf === undefined ? {} : { onBehalfOf }),
  };
}

export const readIdempotencyKey = (req: Request): string | undefined => headerToken(req, IDEMPOTENCY_KEY);
