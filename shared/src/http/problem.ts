// Problem answers in the style of RFC 9457: every error the APIs give is one of these, as application/problem+json.

import { z } from 'zod';

export const FieldError = z.object({
  /** Where in the request: `lines.0.quantity`, `headers.idempotency-key`, `(root)`. */
  path: z.string(),
  message: z.string(),
});
export type FieldError = z.infer<typeof FieldError>;

/** Domain refusals add their own fields (the sku, the quantity asked and available, ...): the object stays open. */
export const Problem = z
  .looseObject({
    type: z
      .string()
      .meta({ description: 'a URI reference naming the kind of problem', example: '/problems/not-found' }),
    title: z.string(),
    status: z.int().min(400).max(599),
    detail: z.string(),
    errors: z.array(FieldError).optional(),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem answer (application/problem+json).' });
export type Problem = z.infer<typeof Problem>;

export const problemType = (code: string): string => `/problems/${code}`;

/** An HTTP-level failure that is not a domain rule (bad headers, reused idempotency keys, ...). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}
