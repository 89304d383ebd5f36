import type { ApiOperation } from '@order-engine/shared';
import { z } from 'zod';
import type { EntityRoute } from './entity-route.js';
import { entityAnswerHeaders, ReadHeaders } from './read-position-api.js';

// Entity reads as the API description tells them: each route's declaration gives what is its own (the view, what a
// 404 means), the rest is how every entity read is served.

/** What the API description says of one entity read beyond its path and id rule. */
export interface EntityApi {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** The view answered. */
  view: z.ZodType;
  /** What a 404 means for it. */
  notFound: string;
}

/** The path parameter of an entity route, and the schema it is parsed with. */
export function entityParams(path: string, id: z.ZodType<string>): { param: string; Params: z.ZodObject } {
  const param = /:(\w+)/.exec(path)?.[1];
  if (param === undefined) throw new Error(`entity route ${path} has no id parameter`);
  return { param, Params: z.object({ [param]: id }) };
}

/** The 503 of every read of a read model. */
export const readModelUnavailable =
  'The read database is unavailable, or the read models are not set up yet (`read-model-unavailable`): retry after ' +
  'Retry-After.';

export const entityOperation = ({ path, id, api }: EntityRoute): ApiOperation => ({
  method: 'get',
  path,
  operationId: api.operationId,
  summary: api.summary,
  description: [
    api.description,
    'Served from the cache when it holds the view, else from PostgreSQL. With X-Min-Position the answer waits ' +
      '(bounded) for that position.',
  ]
    .filter(Boolean)
    .join('\n\n'),
  tag: api.tag,
  params: entityParams(path, id).Params,
  headers: ReadHeaders,
  answers: { 200: { description: 'The view.', body: api.view, headers: entityAnswerHeaders } },
  refusals: {
    400: 'The id breaks its rules (`errors` names it), or X-Min-Position is not a position.',
    404: api.notFound,
    503: readModelUnavailable,
  },
});
