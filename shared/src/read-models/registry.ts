import type { Logger } from '../logging/logger.js';
import type { SqlExecutor } from '../sql/sql.js';
import { projectionNames, type ProjectionName } from './read-models.js';
import { readModelSchemas, type ReadModelSchemas } from './schemas.js';

// The registry of live versions (admin.projection_versions): which schema of each projection readers use. A rebuild
// writes the next version beside the live one and flips the registry in one transaction; every reader (query
// service, projection workers) follows it without a restart.

export type LiveVersions = Record<ProjectionName, number>;

export const initialVersions = (): LiveVersions =>
  Object.fromEntries(projectionNames.map((name) => [name, 1])) as LiveVersions;

// The admin schema or its registry table is not there yet (a query service started before the projection service).
const MISSING = new Set(['42P01', '3F000']);

/** The live version of every projection; version 1 where the registry has no row (or no table yet). */
export async function readLiveVersions(sql: SqlExecutor, admin: string): Promise<LiveVersions> {
  try {
    const rows = await sql.query<{ projection: string; live_version: number }>(
      `select projection, live_version from ${admin}.projection_versions`,
    );
    const versions = initialVersions();
    for (const row of rows)
      if ((projectionNames as readonly string[]).includes(row.projection))
        versions[row.projection as ProjectionName] = row.live_version;
    return versions;
  } catch (error) {
    if (MISSING.has((error as { code?: unknown }).code as string)) return initialVersions();
    throw error;
  }
}

export interface LiveSchemas {
  /** The live schema of every projection (and the admin schema), at most `ttlMs` old. */
  current(): Promise<ReadModelSchemas>;
  /** The live schema of one projection. */
  of(name: ProjectionName): Promise<string>;
}

export interface LiveSchemasOptions {
  sql: SqlExecutor;
  prefix: string;
  logger: Logger;
  /** How long an answer is reused: readers follow a switch within this time (the old version outlives it). */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Live schemas read from the registry and reused for ttlMs. Past that, the last answer is still served while one
 * refresh runs (never two at once), so a switch costs readers no latency; answers only ever move forward, because
 * refreshes run one after the other and the registry itself only moves forward.
 */
export function liveSchemas({ sql, prefix, logger, ttlMs = 500, now = Date.now }: LiveSchemasOptions): LiveSchemas {
  const admin = readModelSchemas(prefix).admin;
  let known: { schemas: ReadModelSchemas; at: number } | undefined;
  let refreshing: Promise<ReadModelSchemas> | undefined;

  const refresh = (): Promise<ReadModelSchemas> =>
    (refreshing ??= readLiveVersions(sql, admin)
      .then((versions) => {
        known = { schemas: readModelSchemas(prefix, versions), at: now() };
        return known.schemas;
      })
      .catch((error: unknown) => {
        // Keep serving what was known, or the first versions (not remembered: the next call asks again). A database
        // that does not answer fails the read itself anyway; a cache that still answers can serve meanwhile.
        logger.warn('reading the projection registry failed; using the versions last read', { error: String(error) });
        return known?.schemas ?? readModelSchemas(prefix, initialVersions());
      })
      .finally(() => (refreshing = undefined)));

  const current = async (): Promise<ReadModelSchemas> => {
    if (!known) return refresh();
    if (now() - known.at >= ttlMs) void refresh().catch(() => undefined);
    return known.schemas;
  };
  return { current, of: async (name) => (await current())[name] };
}

/** Fixed versions, for a query service told exactly what to serve. */
export const fixedSchemas = (prefix: string, versions: LiveVersions): LiveSchemas => {
  const schemas = readModelSchemas(prefix, versions);
  return { current: async () => schemas, of: async (name) => schemas[name] };
};
