import { z } from 'zod';
import {
  AuditEntry,
  describeApi,
  header,
  projectionNames,
  ROLES,
  Text,
  type ApiOperation,
  type OpenApiDocument,
  type ProjectionName,
} from '@order-engine/shared';
import { consoleApi } from '../console/console-api.js';
import { RebuildResult } from '../rebuild/jobs.js';
import { DeadLetterDetail, DeadLetterView } from './dead-letters.js';
import { ProjectionStatus } from './projection-status.js';

// The admin API: what its routes parse and answer, described once for validation and for /openapi.json.

export const NameParams = z.object({ name: z.enum(projectionNames as [ProjectionName, ...ProjectionName[]]) });
export const JobParams = NameParams.extend({ jobId: z.uuid() });
export const LetterParams = NameParams.extend({ id: z.string().regex(/^[1-9]\d{0,17}$/, 'a dead letter id') });
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
export const RebuildQuery = z.object({
  verify: flag.optional().meta({ description: 'Compare the rebuilt tables with the live ones row by row.' }),
});
export const RebuildBody = z.object({ verify: z.boolean().optional() });
export const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100) });
export const DeadLetterQuery = ListQuery.extend({
  eventType: Text(200).optional().meta({ description: 'Only letters of this event type.' }),
  error: Text(200).optional().meta({ description: 'Only letters whose error contains this text (any case).' }),
}).strict();
const instant = z.iso
  .datetime({ offset: true })
  .transform((at) => new Date(at))
  .optional();
export const AuditQuery = ListQuery.extend({
  actor: Text(200).optional(),
  role: z.enum(ROLES).optional(),
  outcome: z.enum(['done', 'refused', 'failed', 'aborted']).optional(),
  service: Text(100).optional(),
  method: z.enum(['GET', 'POST', 'DELETE']).optional(),
  route: Text(200).optional(),
  since: instant,
  until: instant,
  before: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, 'an entry id')
    .optional()
    .meta({ description: 'Entries older than this id: the next page.' }),
}).strict();

export const RebuildJobView = z
  .object({
    jobId: z.uuid(),
    projection: z.string(),
    status: z.enum(['running', 'done', 'failed']),
    fromVersion: z.int(),
    targetVersion: z.int(),
    verify: z.boolean(),
    eventsDone: z.number(),
    eventsTotal: z.number(),
    eventsPerSecond: z.number(),
    etaSeconds: z.number().nullable().meta({ description: 'Null until a rate is known; 0 once finished.' }),
    startedAt: z.string(),
    heartbeatAt: z.string(),
    finishedAt: z.string().nullable(),
    stale: z.boolean(),
    result: RebuildResult.nullable().meta({
      description: 'Once done: the switch, and the verify report when asked for.',
    }),
    error: z.string().nullable(),
  })
  .meta({ id: 'RebuildJob' });
export type RebuildJobView = z.infer<typeof RebuildJobView>;

const tag = 'projections';

const operations: ApiOperation[] = [
  {
    method: 'get',
    path: '/projections',
    operationId: 'listProjections',
    summary: 'Every projection: live version, checkpoint, lag, and rebuild progress',
    tag,
    answers: { 200: { description: 'The projections.', body: z.array(ProjectionStatus) } },
  },
  {
    method: 'post',
    path: '/projections/:name/rebuild',
    operationId: 'rebuildProjection',
    summary: 'Rebuild a projection blue/green',
    description:
      'Replays `$all` into the next version beside the live one, then switches readers to it. A rebuild already ' +
      'running is answered with its job (`resumed`). Poll the Location for progress.',
    tag,
    params: NameParams,
    query: RebuildQuery,
    body: { schema: RebuildBody, optional: true },
    answers: {
      202: {
        description: 'The rebuild runs in the background.',
        body: RebuildJobView.extend({ resumed: z.boolean(), location: z.string() }),
        headers: { Location: header('Where the job is polled.') },
      },
    },
    refusals: { 409: 'A rebuild of this projection is running in another process: it goes on there.' },
  },
  {
    method: 'get',
    path: '/projections/:name/rebuilds/:jobId',
    operationId: 'getRebuild',
    summary: "A rebuild's progress and result",
    tag,
    params: JobParams,
    answers: { 200: { description: 'The job.', body: RebuildJobView } },
    refusals: { 404: 'The projection has no such rebuild.' },
  },
  {
    method: 'get',
    path: '/projections/:name/dead-letters',
    operationId: 'listDeadLetters',
    summary: 'Events a projection could not apply',
    tag,
    params: NameParams,
    query: DeadLetterQuery,
    answers: { 200: { description: 'Oldest first.', body: z.object({ items: z.array(DeadLetterView) }) } },
  },
  {
    method: 'get',
    path: '/projections/:name/dead-letters/:id',
    operationId: 'getDeadLetter',
    summary: 'A dead letter with the event it names',
    tag,
    params: LetterParams,
    answers: { 200: { description: 'The letter, its error and its event.', body: DeadLetterDetail } },
    refusals: { 404: 'No such dead letter.' },
  },
  {
    method: 'post',
    path: '/projections/:name/dead-letters/:id/retry',
    operationId: 'retryDeadLetter',
    summary: 'Apply a dead letter again',
    tag,
    params: LetterParams,
    answers: {
      200: {
        description: 'Applied: the letters of its stream it resolved.',
        body: z.object({
          id: z.string(),
          retried: z.literal(true),
          resolved: z.array(z.string()),
          streamId: z.string(),
        }),
      },
    },
    refusals: {
      404: 'No such dead letter.',
      409: 'The event the letter names is no longer where the letter says: the history changed under it.',
      422: 'The event still cannot be applied: the letter stays, with the new error.',
    },
  },
  {
    method: 'get',
    path: '/audit',
    operationId: 'listAudit',
    summary: 'The audit log: operator actions and refused requests, newest first',
    tag: 'audit',
    query: AuditQuery,
    answers: {
      200: {
        description: 'A page; `next` is the next page with the same filters, or null.',
        body: z.object({ items: z.array(AuditEntry), next: z.string().nullable() }),
      },
    },
  },
];

/** The projection service's OpenAPI document: served at /openapi.json, and the source of the typed client. */
export const projectionApi = (): OpenApiDocument =>
  describeApi({
    title: 'Order engine: projection API',
    description:
      'For operators: where each read model stands against the head of `$all`, blue/green rebuilds with progress ' +
      'and verification, dead letters, and the audit log; and the operator console at /console/. Every refusal is ' +
      'an RFC 9457 problem.',
    tags: [
      { name: 'projections', description: 'Read models: status and lag, rebuilds, dead letters.' },
      { name: 'audit', description: 'Who did what to the engine.' },
      { name: 'console', description: 'The operator console, in the browser.' },
    ],
    operations: [...operations, ...consoleApi],
  });
