import { assertIdentifier } from '../sql/sql.js';
import { projectionSchema } from './projection.js';
import { projectionNames, type ProjectionName } from './read-models.js';

/** Checkpoints and dead letters of every projection. */
export const adminSchema = (prefix: string): string => assertIdentifier(`${prefix}projections`);

export type ReadModelSchemas = Record<ProjectionName, string> & { admin: string };

export const readModelSchemas = (prefix = '', versions?: Record<ProjectionName, number>): ReadModelSchemas => ({
  ...(Object.fromEntries(
    projectionNames.map((name) => [name, projectionSchema(prefix, name, versions?.[name] ?? 1)]),
  ) as Record<ProjectionName, string>),
  admin: adminSchema(prefix),
});

export const adminTables = (s: string): string => `
create schema if not exists ${s};
create table if not exists ${s}.checkpoints (
  projection text primary key,
  position bigint not null,
  updated_at timestamptz not null default now()
);
-- Where the source stood before the transaction that last moved it (null: nothing to redo): the cache writes of the
-- events after it may have died with the process that committed them, so a runner starting re-caches those rows.
alter table ${s}.checkpoints add column if not exists previous bigint;
create table if not exists ${s}.dead_letters (
  id bigserial primary key,
  projection text not null,
  event_id uuid not null,
  position bigint not null,
  event_type text not null,
  error text not null,
  failed_at timestamptz not null default now(),
  unique (projection, event_id)
);
-- Which version of each projection readers use (rebuild/switch flips it); a missing row means version 1.
create table if not exists ${s}.projection_versions (
  projection text primary key,
  live_version integer not null,
  switched_at timestamptz
);
-- Versions switched away from: dropped once no reader can still be using them (see the projection service's janitor).
create table if not exists ${s}.retired_schemas (
  schema_name text primary key,
  projection text not null,
  retired_at timestamptz not null default now()
);
create table if not exists ${s}.rebuild_jobs (
  id uuid primary key,
  projection text not null,
  from_version integer not null,
  target_version integer not null,
  status text not null check (status in ('running', 'done', 'failed')),
  verify boolean not null default false,
  owner text not null,
  events_total bigint not null default 0,
  events_done bigint not null default 0,
  events_per_second double precision not null default 0,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  finished_at timestamptz,
  result jsonb,
  error text
);
-- At most one running rebuild per projection, whichever process runs it: the second one's insert conflicts.
create unique index if not exists rebuild_jobs_one_running on ${s}.rebuild_jobs (projection) where status = 'running';
`;
