import {
  NO_AUTH,
  createLogger,
  listen,
  memoryCache,
  postgresEventStore,
  silentLogger,
  type Cache,
  type EventStore,
  type GlobalPosition,
  type Logger,
  type RunningServer,
  type Sql,
} from '@order-engine/shared';
import { freshName } from '@order-engine/shared/testing';
import type { Projection } from '../projections/projection.js';
import { createProjectionService, type ProjectionService, type ProjectionServiceOptions } from '../service.js';
import { bulkLoad } from './bulk-load.js';
import { generatedHistory, type GeneratedHistoryOptions } from './generated-history.js';
import { dropReadModels } from './read-model-dump.js';

// A database with an event store holding a generated history, and projection services on it as separate instances
// (each its own HTTP server, same database), with rebuild settings that make a test's rebuild take many pages and a
// retired version disappear in a fraction of a second.

export const testLogger: Logger = process.env.LOG_LEVEL === 'debug' ? createLogger('debug') : silentLogger;

export const fastRebuilds = {
  pageSize: 40,
  staleAfterMs: 1_500,
  heartbeatMs: 100,
  retireAfterMs: 400,
  superviseEveryMs: 50,
};

/** The projection, taking `ms` longer over every batch: a rebuild that lasts long enough to be caught running. */
export const slowed = (projection: Projection, ms: number): Projection => ({
  ...projection,
  apply: async (tx, schema, events) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return projection.apply(tx, schema, events);
  },
});

export interface RunningInstance {
  service: ProjectionService;
  url: string;
  stop(): Promise<void>;
}

export interface RebuildWorld {
  sql: Sql;
  prefix: string;
  store: EventStore;
  storeSchema: string;
  cache: Cache;
  head: GlobalPosition;
  /** Starts a projection service instance on the world's database and store. */
  instance(overrides?: Partial<ProjectionServiceOptions>): Promise<RunningInstance>;
  close(): Promise<void>;
}

export async function rebuildWorld(
  sql: Sql,
  history: GeneratedHistoryOptions = { products: 12, orders: 80 },
  options: { dropSchemas: boolean },
): Promise<RebuildWorld> {
  const prefix = `${freshName('r')}_`;
  const storeSchema = `${prefix}events`;
  const { head } = await bulkLoad(sql, storeSchema, generatedHistory(history));
  const store = postgresEventStore(sql, { schema: storeSchema, pollIntervalMs: 20 });
  const cache = memoryCache({ maxEntries: 10_000 });
  const instances: RunningInstance[] = [];
  return {
    sql,
    prefix,
    store,
    storeSchema,
    cache,
    head,
    async instance(overrides = {}) {
      const service = createProjectionService({
        access: NO_AUTH,
        eventStore: store,
        readDb: sql,
        cache,
        prefix,
        logger: testLogger,
        backoff: { initialMs: 10, maxMs: 200 },
        ...overrides,
        rebuild: { ...fastRebuilds, ...overrides.rebuild },
      });
      await service.start();
      const server: RunningServer = await listen(service.app, { host: '127.0.0.1', port: 0 });
      let stopped = false;
      const running: RunningInstance = {
        service,
        url: server.url,
        async stop() {
          if (stopped) return;
          stopped = true;
          await server.close();
          await service.stop();
        },
      };
      instances.push(running);
      return running;
    },
    async close() {
      await Promise.all(instances.map((instance) => instance.stop()));
      await store.close();
      if (options.dropSchemas) {
        await dropReadModels(sql, prefix);
        await sql.exec(`drop schema if exists ${storeSchema} cascade`);
      }
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface JsonAnswer<B = any> {
  status: number;
  body: B;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function requestJson<B = any>(
  url: string,
  init: { method?: string; body?: unknown } = {},
): Promise<JsonAnswer<B>> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Polls a rebuild job until it is no longer running; its last view. */
export async function jobEnded(
  baseUrl: string,
  name: string,
  jobId: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await requestJson(`${baseUrl}/projections/${name}/rebuilds/${jobId}`);
    if (body?.status !== 'running') return body;
    if (Date.now() > deadline)
      throw new Error(`rebuild ${jobId} still running after ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the schema is gone (the janitor dropped the retired version). */
export async function schemaDropped(sql: Sql, schema: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await sql.query(`select 1 from pg_namespace where nspname = $1`, [schema])).length > 0) {
    if (Date.now() > deadline) throw new Error(`${schema} was not dropped within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
