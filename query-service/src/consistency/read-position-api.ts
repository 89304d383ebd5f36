import { type HeaderObject, header } from '@order-engine/shared';
import { z } from 'zod';

// Read-your-writes as the API description tells it: the header a read may send, and those its answer carries.

const MAX_POSITION = 2n ** 63n - 1n; // positions are int8 in PostgreSQL

/** A global position as a command answer gives it: decimal digits, at most 2^63 - 1. */
export const MinPosition = z
  .string()
  .regex(/^\d{1,19}$/)
  // Every check runs, so the bound guards itself against text that is not digits.
  .refine((text) => /^\d{1,19}$/.test(text) && BigInt(text) <= MAX_POSITION);

/** The request headers of every read of a read model. */
export const ReadHeaders = z.object({
  'X-Min-Position': MinPosition.optional().meta({
    description:
      'Wait (bounded) until the answer reflects this global position, as a command answer gives it: a decimal ' +
      'integer from 0 to 9223372036854775807. Past the wait the answer says X-Stale: true.',
  }),
});

const position = { type: 'string', pattern: '^\\d{1,19}$' } as const;

/**
 * The answer headers of the reads of read models. Any answer of the API may carry them (a 404 or a 503 after the
 * read started has them too), so they are the API's answer headers.
 */
export const readAnswerHeaders: Record<string, HeaderObject> = {
  'X-Read-Position': header(
    'Sent when the request had X-Min-Position: the global position the answer reflects.',
    position,
  ),
  'X-Stale': header('true when the wait for X-Min-Position ran out: the answer is older than asked.', {
    type: 'string',
    enum: ['true'],
  }),
  'X-Cache': header(
    'Reads of one product, order or customer summary (their 404 too): hit, served from the cache; miss, from ' +
      'PostgreSQL, then cached; bypass, an X-Min-Position read that went past the cache.',
    { type: 'string', enum: ['hit', 'miss', 'bypass'] },
  ),
};

/** An entity read always says how it was served. */
export const entityAnswerHeaders: Record<string, HeaderObject> = {
  'X-Cache': { ...readAnswerHeaders['X-Cache']!, required: true },
};
