import type { ZodObject, ZodType } from 'zod';
import type { oas31 } from 'zod-openapi';

// One route as the API description tells it: what it parses, what it answers, and what it refuses in its own way.

export type HeaderObject = oas31.HeaderObject;

/** A successful answer of an operation. */
export interface Answer {
  description: string;
  /** The body's schema; none: the answer has no body. */
  body?: ZodType;
  /** Default application/json; several when the request chooses (each with the same body schema). */
  mediaType?: string | readonly string[];
  /** Bodies that differ by media type (an NDJSON line and a CSV text): instead of body and mediaType. */
  bodies?: Record<string, ZodType>;
  headers?: Record<string, HeaderObject>;
}

export interface ApiOperation {
  method: 'get' | 'post' | 'delete';
  /** The route's Express path, as the policy table names it: `/orders/:id/pay`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: ZodObject;
  query?: ZodObject;
  /** Request headers the route reads (beyond Authorization). */
  headers?: ZodObject;
  /** The JSON body; `optional` when a request may leave it out. */
  body?: { schema: ZodType; optional?: true };
  answers: Record<number, Answer>;
  /** Refusals particular to this route (404 for a missing resource, 409 for a conflict, ...), by status. */
  refusals?: Record<number, string>;
}

/** A header of an answer: its description and, by default, a string schema. */
export const header = (description: string, schema: oas31.SchemaObject = { type: 'string' }): HeaderObject => ({
  description,
  schema,
});
