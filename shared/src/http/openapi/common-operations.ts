import { z } from 'zod';
import { ROLES } from '../../auth/identity.js';
import { header, type ApiOperation } from './api-operation.js';

// The routes every service has, described once.

const tag = 'operations';

export const Health = z
  .looseObject({ status: z.literal('ok'), service: z.string() })
  .meta({ id: 'Health', description: 'The process runs; services add their own counters.' });

export const Readiness = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    service: z.string(),
    failing: z.array(z.string()).meta({ description: 'The dependencies that are not usable now.' }),
    checks: z.record(z.string(), z.string()).meta({ description: "Each dependency: 'ok', or why it is not usable." }),
  })
  .meta({ id: 'Readiness' });

export const IdentityView = z
  .object({
    name: z.string().meta({ description: "The key's name or the token's subject: what the audit log records." }),
    role: z.enum(ROLES),
    customerId: z.string().optional().meta({ description: 'For the customer role: the customer it acts for.' }),
  })
  .meta({ id: 'Identity' });

const noStore = { 'Cache-Control': header('no-store: readiness is never cached.') };
const retry = { ...noStore, 'Retry-After': header('Seconds to wait before asking again.') };

export const commonOperations: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Liveness: the process runs',
    tag,
    answers: { 200: { description: 'The process runs.', body: Health } },
  },
  {
    method: 'get',
    path: '/ready',
    operationId: 'ready',
    summary: 'Readiness: every dependency answers within its bound',
    tag,
    answers: {
      200: { description: 'Every dependency is usable.', body: Readiness, headers: noStore },
      503: { description: 'A dependency is not usable: `failing` names it.', body: Readiness, headers: retry },
    },
  },
  {
    method: 'get',
    path: '/identity',
    operationId: 'identity',
    summary: 'Who the credentials sent are',
    description: 'The identity and role the key or token stands for (a console asks it at sign-in).',
    tag,
    answers: { 200: { description: 'The caller.', body: IdentityView } },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics of this service',
    description: 'The Prometheus text exposition format; scrape with a monitor key (or an operator identity).',
    tag,
    answers: { 200: { description: 'The metrics.', body: z.string(), mediaType: 'text/plain' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApi',
    summary: 'This description (OpenAPI 3.1)',
    tag,
    answers: {
      200: { description: 'The OpenAPI document.', body: z.looseObject({ openapi: z.string() }) },
    },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'Interactive documentation of this API',
    tag,
    answers: { 200: { description: 'The documentation page.', body: z.string(), mediaType: 'text/html' } },
  },
  {
    method: 'get',
    path: '/docs/:asset',
    operationId: 'docsAsset',
    summary: 'A script, style sheet or image of the documentation page',
    tag,
    params: z.object({ asset: z.string() }),
    answers: {
      200: {
        description: 'The file.',
        body: z.string(),
        mediaType: ['text/javascript', 'text/css', 'image/png'],
      },
    },
  },
];
