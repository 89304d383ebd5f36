import {
  adminSchema,
  decodeEvent,
  DomainError,
  EventEnvelope,
  NotFound,
  toEnvelope,
  type Cache,
  type EventStore,
  type Logger,
  type ProjectionName,
  type RecordedDomainEvent,
  type RecordedEvent,
  type Sql,
} from '@order-engine/shared';
import { z } from 'zod';
import type { Projection } from '../projections/projection.js';
import { lockCheckpointRows } from '../registry/registry.js';
import { isInfrastructureFailure } from '../runner/failures.js';

// Dead letters: events a projection could not decode or apply, set aside so it could go on with the rest. Retrying one
// re-folds its whole stream into the version the letter belongs to: the rows' revision guards would skip the lone old
// event once later events of its stream were applied, so "apply that one event now" would change nothing. Every
// letter of the stream whose event the re-fold applied is resolved with it.

/** The event a dead letter names is no longer where the letter says (409): the history changed under it. */
export class DeadLetterEventMissing extends DomainError {
  readonly code = 'dead-letter-event-missing';
  constructor(eventId: string, position: string) {
    super(`event ${eventId} is no longer at position ${position} in the event store`);
  }
}

export const DeadLetterView = z
  .object({
    id: z.string(),
    schema: z
      .string()
      .meta({ description: "The version's schema the letter belongs to (the live one, or a rebuild's)." }),
    eventId: z.string(),
    position: z.string(),
    eventType: z.string(),
    error: z.string(),
    failedAt: z.string(),
  })
  .meta({ id: 'DeadLetter' });
export type DeadLetterView = z.infer<typeof DeadLetterView>;

export type RetryOutcome = { retried: true; resolved: string[]; streamId: string } | { retried: false; error: string };

export const DeadLetterDetail = DeadLetterView.extend({
  event: EventEnvelope.nullable().meta({
    description: 'The event the letter names, as recorded; null when it is no longer at its position.',
  }),
}).meta({ id: 'DeadLetterDetail' });
export type DeadLetterDetail = z.infer<typeof DeadLetterDetail>;

export interface DeadLetterFilter {
  limit: number;
  eventType?: string;
  /** Letters whose error contains this, in any case. */
  error?: string;
}

export interface DeadLetters {
  list(name: ProjectionName, filter: DeadLetterFilter): Promise<DeadLetterView[]>;
  /** Throws a 404 problem for an unknown letter. */
  get(name: ProjectionName, id: string): Promise<DeadLetterDetail>;
  /** Throws a 404 problem for an unknown letter. */
  retry(name: ProjectionName, id: string): Promise<RetryOutcome>;
}

export interface DeadLettersOptions {
  sql: Sql;
  eventStore: EventStore;
  prefix: string;
  projections: readonly Projection[];
  cache: Cache;
  logger: Logger;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function deadLetters({ sql, eventStore, prefix, projections, cache, logger }: DeadLettersOptions): DeadLetters {
  const admin = adminSchema(prefix);
  const table = `${admin}.dead_letters`;
  // A letter's key is a version's schema: `<prefix><name>_v<n>`.
  const schemaPattern = (name: ProjectionName) => `^${prefix}${name}_v[0-9]+$`;
  const columns = `id::text as id, projection as schema, event_id::text as "eventId", position::text as position,
    event_type as "eventType", error,
    to_char(failed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "failedAt"`;

  const projectionNamed = (name: ProjectionName): Projection => {
    const projection = projections.find((candidate) => candidate.name === name);
    if (!projection) throw new NotFound('projection', name);
    return projection;
  };

  const eventOf = async (letter: DeadLetterView): Promise<RecordedEvent | undefined> => {
    const [event] = await eventStore.readAll({ after: BigInt(letter.position) - 1n, limit: 1 });
    return event?.eventId === letter.eventId ? event : undefined;
  };

  const letterOf = async (name: ProjectionName, id: string): Promise<DeadLetterView> => {
    const [letter] = await sql.query<DeadLetterView & Record<string, unknown>>(
      `select ${columns} from ${table} where id = $1::bigint and projection ~ $2`,
      [id, schemaPattern(name)],
    );
    if (!letter) throw new NotFound('dead letter', `${id} of ${name}`);
    return letter;
  };

  async function refold(projection: Projection, letter: DeadLetterView): Promise<RetryOutcome> {
    const event = await eventOf(letter);
    if (!event) throw new DeadLetterEventMissing(letter.eventId, letter.position);
    const stream = await eventStore.readStream(event.streamId);
    // Events of the stream that still cannot be decoded stay out of the fold (and keep their letters); the letter's
    // own event must decode, or the retry fails.
    const decoded: RecordedDomainEvent[] = [];
    for (const recorded of stream) {
      try {
        decoded.push(decodeEvent(recorded));
      } catch (error) {
        if (recorded.eventId === letter.eventId) return { retried: false, error: message(error) };
      }
    }
    const { writes, resolved } = await sql.transaction(async (tx) => {
      // The version's workers lock their checkpoint row before each batch: they wait for the re-fold, and it for them.
      await lockCheckpointRows(tx, admin, letter.schema);
      await projection.forget(tx, letter.schema, decoded);
      const writes = await projection.apply(tx, letter.schema, decoded);
      const rows = await tx.query<{ id: string }>(
        `delete from ${table} where projection = $1 and event_id in (select ` +
          `(jsonb_array_elements_text($2::jsonb))::uuid) returning id::text as id`,
        [letter.schema, JSON.stringify(decoded.map((e) => e.eventId))],
      );
      return { writes, resolved: rows.map((row) => row.id) };
    });
    // The rows keep their revisions (the letter's event counted already), with other contents: the version guard would
    // keep an entry of the same revision, so the old entries go first.
    await Promise.allSettled(writes.map(async ({ key, entry }) => (await cache.delete(key), cache.set(key, entry))));
    return { retried: true, resolved, streamId: event.streamId };
  }

  return {
    async list(name, { limit, eventType, error }) {
      projectionNamed(name);
      // strpos, not ilike: the text asked for is matched as it is, wildcards and all.
      return sql.query<DeadLetterView & Record<string, unknown>>(
        `select ${columns} from ${table} where projection ~ $1 and ($3::text is null or event_type = $3)
          and ($4::text is null or strpos(lower(error), lower($4)) > 0) order by id limit $2`,
        [schemaPattern(name), limit, eventType ?? null, error ?? null],
      );
    },
    async get(name, id) {
      projectionNamed(name);
      const letter = await letterOf(name, id);
      const event = await eventOf(letter);
      return { ...letter, event: event ? toEnvelope(event) : null };
    },
    async retry(name, id) {
      const projection = projectionNamed(name);
      const letter = await letterOf(name, id);
      let outcome: RetryOutcome;
      try {
        outcome = await refold(projection, letter);
      } catch (error) {
        if (error instanceof DeadLetterEventMissing || (await isInfrastructureFailure(sql, error))) throw error;
        outcome = { retried: false, error: message(error) };
      }
      if (!outcome.retried) {
        await sql.query(`update ${table} set error = $2, failed_at = now() where id = $1::bigint`, [
          id,
          outcome.error.slice(0, 2_000),
        ]);
        logger.warn('dead letter retried and still failing', { projection: name, id, error: outcome.error });
      } else {
        logger.info('dead letter retried and applied', { projection: name, id, resolved: outcome.resolved });
      }
      return outcome;
    },
  };
}
