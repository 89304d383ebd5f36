import { z } from 'zod';
import { ROLES, type Role } from '../auth/identity.js';
import type { Logger } from '../logging/logger.js';
import { assertIdentifier, type Sql, type SqlExecutor } from '../sql/sql.js';

// The audit log: who did what to the engine, when, and how it ended. Every operator action, every request the policy
// refused and every credential that failed, written by all three services into one table of the read database, and
// paged through by GET /audit. Append-only: nothing in the engine updates or deletes an entry.

export const AuditOutcome = z.enum(['done', 'refused', 'failed', 'aborted']);
export type AuditOutcome = z.infer<typeof AuditOutcome>;

export const AuditEntry = z
  .object({
    id: z.string().meta({ description: 'Increasing: the newest entry has the highest id.' }),
    at: z.string(),
    service: z.string(),
    actor: z.string().meta({ description: "The identity's name, or `unknown` when its credentials failed." }),
    role: z.enum(ROLES).nullable(),
    onBehalfOf: z.string().nullable().meta({ description: 'Whom an operator said it acted for (X-Actor).' }),
    method: z.string(),
    route: z.string().meta({ description: "The policy table's route (`/products/:sku/price`): what was asked for." }),
    path: z.string().meta({ description: 'The URL as sent, query included: on what.' }),
    status: z.int().meta({ description: "The answer's status; 499 when the caller hung up before it." }),
    outcome: AuditOutcome,
    detail: z.string().nullable().meta({ description: "The problem answer's detail, when there was one." }),
    address: z.string(),
    correlationId: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at' | 'outcome'>;

export interface AuditFilter {
  actor?: string;
  role?: Role;
  outcome?: AuditOutcome;
  service?: string;
  method?: string;
  route?: string;
  since?: Date;
  until?: Date;
  /** Entries older than this id (the `next` cursor of the page before). */
  before?: string;
  limit: number;
}

export interface AuditLog {
  /** Writes in the background: the request it describes never waits for it, nor fails because of it. */
  record(entry: NewAuditEntry): void;
  /** Newest first. */
  page(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Resolves once every entry recorded so far is written (or logged as lost). */
  flush(): Promise<void>;
}

export const auditSchema = (prefix: string): string => assertIdentifier(`${prefix}audit`);

export const outcomeOf = (status: number): AuditOutcome =>
  status === 499
    ? 'aborted'
    : status === 401 || status === 403 || status === 429
      ? 'refused'
      : status < 400
        ? 'done'
        : 'failed';

/** Entries being written at once; past that an entry goes to the log only, so a flood cannot grow memory. */
const MAX_PENDING = 1_000;

export function sqlAuditLog(sql: SqlExecutor, options: { prefix?: string; logger: Logger }): AuditLog {
  const schema = auditSchema(options.prefix ?? '');
  const logger = options.logger;
  const pending = new Set<Promise<void>>();

  const insert = async (entry: NewAuditEntry) => {
    await sql.query(
      `insert into ${schema}.entries
         (service, actor, role, on_behalf_of, method, route, path, status, outcome, detail, address, correlation_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        entry.service,
        entry.actor,
        entry.role,
        entry.onBehalfOf,
        entry.method,
        entry.route,
        entry.path,
        entry.status,
        outcomeOf(entry.status),
        entry.detail,
        entry.address,
        entry.correlationId,
      ],
    );
  };

  return {
    record(entry) {
      // Never lost silently: an entry that cannot be written is in the log, whole.
      if (pending.size >= MAX_PENDING) {
        logger.warn('audit log: too many entries being written; this one is only logged', { audit: entry });
        return;
      }
      const write = insert(entry)
        .catch((error: unknown) =>
          logger.error('audit log: could not write an entry; it is only logged', {
            audit: entry,
            error: error instanceof Error ? error.message : String(error),
          }),
        )
        .finally(() => pending.delete(write));
      pending.add(write);
    },

    async page(filter) {
      const rows = await sql.query<Row>(
        `select id::text as id, at, service, actor, role, on_behalf_of, method, route, path, status, outcome, detail,
                address, correlation_id
           from ${schema}.entries
          where ($1::bigint is null or id < $1::bigint)
            and ($2::text is null or actor = $2) and ($3::text is null or role = $3)
            and ($4::text is null or outcome = $4) and ($5::text is null or service = $5)
            and ($6::text is null or method = $6) and ($7::text is null or route = $7)
            and ($8::timestamptz is null or at >= $8) and ($9::timestamptz is null or at < $9)
          order by entries.id desc
          limit $10`,
        [
          filter.before ?? null,
          filter.actor ?? null,
          filter.role ?? null,
          filter.outcome ?? null,
          filter.service ?? null,
          filter.method ?? null,
          filter.route ?? null,
          filter.since?.toISOString() ?? null,
          filter.until?.toISOString() ?? null,
          filter.limit,
        ],
      );
      return rows.map(toEntry);
    },

    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

interface Row {
  id: string;
  at: Date | string;
  service: string;
  actor: string;
  role: Role | null;
  on_behalf_of: string | null;
  method: string;
  route: string;
  path: string;
  status: number;
  outcome: AuditOutcome;
  detail: string | null;
  address: string;
  correlation_id: string | null;
  [column: string]: unknown;
}

const toEntry = (row: Row): AuditEntry => ({
  id: row.id,
  at: new Date(row.at).toISOString(),
  service: row.service,
  actor: row.actor,
  role: row.role,
  onBehalfOf: row.on_behalf_of,
  method: row.method,
  route: row.route,
  path: row.path,
  status: row.status,
  outcome: row.outcome,
  detail: row.detail,
  address: row.address,
  correlationId: row.correlation_id,
});

const ddl = (s: string) => `
create schema if not exists ${s};
create table if not exists ${s}.entries (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  service text not null,
  actor text not null,
  role text,
  on_behalf_of text,
  method text not null,
  route text not null,
  path text not null,
  status integer not null,
  outcome text not null,
  detail text,
  address text not null,
  correlation_id text
);
create index if not exists entries_by_actor on ${s}.entries (actor, id);
create index if not exists entries_by_at on ${s}.entries (at);`;

/** Creates the table where missing: the writing services at start, and `cli migrate`. */
export async function migrateAuditLog(sql: Sql, prefix = ''): Promise<void> {
  const schema = auditSchema(prefix);
  await sql.transaction(async (tx) => {
    // Command and projection services migrate at start, maybe at once: the later one finds the work done.
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`audit-migrate:${schema}`]);
    await tx.exec(ddl(schema));
  });
}

/**
 * Lets a role append to the audit log and nothing more (no SELECT, UPDATE or DELETE): the query service's SELECT-only
 * role records the requests it refuses.
 */
export async function grantAuditAppend(sql: SqlExecutor, role: string, prefix = ''): Promise<void> {
  const schema = auditSchema(prefix);
  assertIdentifier(role);
  await sql.exec(`grant usage on schema ${schema} to ${role}; grant insert on ${schema}.entries to ${role}`);
}
