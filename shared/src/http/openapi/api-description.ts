import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { ruleFor } from '../../auth/policy.js';
import { Problem } from '../problem.js';
import { header, type ApiOperation, type HeaderObject } from './api-operation.js';
import { commonOperations } from './common-operations.js';

// Each API's description is built from the zod schemas its routes parse with (the request side) and the schemas of its
// answers, plus what every route of the engine shares: who may call it (the policy table), its problem answers and the
// headers every answer carries. The same document is served at /openapi.json and generates the typed client.

export type OpenApiDocument = ReturnType<typeof createDocument>;

export interface ApiDescription {
  title: string;
  description: string;
  tags: { name: string; description: string }[];
  operations: readonly ApiOperation[];
  /** Headers any answer of these operations may carry (a replayed command answer says so). */
  answerHeaders?: Record<string, HeaderObject>;
}

/** The version of the APIs' contract (not of the engine's code): a breaking change of any route raises it. */
export const API_VERSION = '1.0.0';

const headers = {
  'X-Request-Id': header('The id this service gave the request; it is in every log line about it.', {
    type: 'string',
    format: 'uuid',
  }),
  'X-Correlation-Id': header("The request's X-Correlation-Id when it sent a usable one, else its X-Request-Id."),
  'Retry-After': header('Seconds to wait before trying again.', { type: 'string', pattern: '^\\d+$' }),
  'WWW-Authenticate': header('The scheme to authenticate with: Bearer.'),
};
const headerRefs = (names: readonly string[]) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

interface Refusal {
  name: string;
  description: string;
  headers?: string[];
}

/** The refusals every route may give, whatever it does; those of secured routes; those of routes with a body. */
const commonRefusals: Record<number, Refusal> = {
  400: { name: 'BadRequest', description: 'The request is malformed or breaks a rule; `errors` names each field.' },
  403: {
    name: 'Forbidden',
    description: 'The caller may not use this route, or the request comes from a page of another origin.',
  },
  421: { name: 'MisdirectedRequest', description: 'The Host header names a host this service does not answer to.' },
  500: { name: 'InternalError', description: 'An unexpected error; it has been logged.' },
  503: {
    name: 'Unavailable',
    description: 'Overloaded, or a dependency is unavailable: retry after Retry-After.',
    headers: ['Retry-After'],
  },
};
const securedRefusals: Record<number, Refusal> = {
  401: {
    name: 'Unauthorized',
    description: 'No credentials, or credentials that are not valid.',
    headers: ['WWW-Authenticate'],
  },
  429: {
    name: 'TooManyFailures',
    description: 'Too many failed credentials from this address: retry after Retry-After.',
    headers: ['Retry-After'],
  },
};
const bodyRefusals: Record<number, Refusal> = {
  413: { name: 'ContentTooLarge', description: 'The body is larger than 1 MB.' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not application/json.' },
};
const notFound: Refusal = { name: 'NotFound', description: 'No such resource.' };
// A 409 may also say that a request with the same Idempotency-Key is still running: retry after Retry-After.
const conflict: Refusal = { name: 'Conflict', description: 'A conflict.', headers: ['Retry-After'] };
const allRefusals: Record<number, Refusal> = {
  ...commonRefusals,
  ...securedRefusals,
  ...bodyRefusals,
  404: notFound,
  409: conflict,
};

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** What every answer of an API carries, and the refusals all its routes share: components the operations refer to. */
function components(answerHeaders: Record<string, HeaderObject>) {
  const shared = ['X-Request-Id', 'X-Correlation-Id', ...Object.keys(answerHeaders)];
  const refusal = (description: string, more: readonly string[] = []) => ({
    description,
    headers: headerRefs([...shared, ...more]),
    content: { 'application/problem+json': { schema: Problem } },
  });
  const responses = Object.fromEntries(
    Object.values(allRefusals).map(({ name, description, headers }) => [name, refusal(description, headers)]),
  );
  // Only the refusals some operation refers to go into the document (an unused component is a lint error).
  const used = new Set<string>();
  return { shared, refusal, headers: { ...headers, ...answerHeaders }, responses, used };
}
type Components = ReturnType<typeof components>;

function responses(operation: ApiOperation, secured: boolean, shared: Components): ZodOpenApiResponsesObject {
  const answers: ZodOpenApiResponsesObject = {};
  for (const [status, { description, body, mediaType = 'application/json', bodies, headers }] of Object.entries(
    operation.answers,
  )) {
    const schemas = bodies ?? (body ? Object.fromEntries([mediaType].flat().map((type) => [type, body])) : {});
    const content = Object.fromEntries(Object.entries(schemas).map(([type, schema]) => [type, { schema }]));
    answers[status as `2${string}`] = {
      description,
      headers: { ...headerRefs(shared.shared), ...headers },
      ...(Object.keys(content).length > 0 && { content }),
    };
  }
  const refusals = {
    ...commonRefusals,
    ...(secured && securedRefusals),
    ...(operation.body && bodyRefusals),
    ...(operation.params && { 404: notFound }),
  };
  for (const [status, { name }] of Object.entries(refusals)) {
    // A route that answers this status its own way (readiness: 503 with its report) keeps its own answer.
    if (status in answers) continue;
    shared.used.add(name);
    answers[status as `4${string}`] = { $ref: `#/components/responses/${name}` };
  }
  // A route's own refusals say what they mean for it (404: no such order, 409: ...).
  for (const [status, description] of Object.entries(operation.refusals ?? {}))
    answers[status as `4${string}`] = shared.refusal(description, allRefusals[Number(status)]?.headers);
  return answers;
}

function operationObject(operation: ApiOperation, shared: Components): ZodOpenApiOperationObject {
  const rule = ruleFor(operation.method.toUpperCase(), operation.path.replace(/:(\w+)/g, 'x'));
  if (rule?.path !== operation.path) throw new Error(`${operation.method} ${operation.path} has no line in the policy`);
  const secured = rule.allow !== 'open';
  const roles =
    rule.allow !== 'open' ? `Roles: ${rule.allow.join(', ')}${rule.ownOnly ? ' (a customer: its own only)' : ''}.` : '';
  const description = [operation.description, roles].filter(Boolean).join('\n\n');
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(description && { description }),
    tags: [operation.tag],
    security: secured ? [{ bearer: [] }] : [],
    ...(secured && { 'x-roles': rule.allow }),
    requestParams: {
      ...(operation.params && { path: operation.params }),
      ...(operation.query && { query: operation.query }),
      ...(operation.headers && { header: operation.headers }),
    },
    ...(operation.body && {
      requestBody: {
        required: !operation.body.optional,
        content: { 'application/json': { schema: operation.body.schema } },
      },
    }),
    responses: responses(operation, secured, shared),
  };
}

/** The OpenAPI 3.1 document of one API: its own operations and those every service has (health, metrics, ...). */
export function describeApi(api: ApiDescription): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = {};
  const shared = components(api.answerHeaders ?? {});
  for (const operation of [...commonOperations, ...api.operations]) {
    const item = (paths[openApiPath(operation.path)] ??= {});
    if (item[operation.method]) throw new Error(`${operation.method} ${operation.path} is described twice`);
    item[operation.method] = operationObject(operation, shared);
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: api.title,
      version: API_VERSION,
      description: api.description,
    },
    servers: [{ url: '/', description: 'this service' }],
    tags: [
      ...api.tags,
      { name: 'operations', description: 'Health, readiness, metrics and this description: on every service.' },
    ],
    security: [{ bearer: [] }],
    components: {
      headers: shared.headers,
      responses: Object.fromEntries(Object.entries(shared.responses).filter(([name]) => shared.used.has(name))),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (`npm start` prints them) or a JWT whose role claim names the role.',
        },
      },
    },
    paths,
  });
}
