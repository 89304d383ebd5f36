import {
  NO_AUTH,
  createLogger,
  listen,
  memoryCache,
  pgSql,
  readModelSchemas,
  type Cache,
  type ReadModelSchemas,
  type RunningServer,
  type Sql,
} from '@order-engine/shared';
import { describeWithService, freshName, sharedPglite } from '@order-engine/shared/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { createQueryService, type QueryService, type QueryServiceOptions } from '../app.js';
import { createReadModelTables, dropReadModelSchemas } from './read-model-rows.js';

// A query service over real HTTP, on a fresh set of read-model schemas per test.

export interface HttpAnswer<B = unknown> {
  status: number;
  headers: Headers;
  body: B;
}

export interface QueryFixture {
  db: Sql;
  prefix: string;
  schemas: ReadModelSchemas;
  cache: Cache;
  service: QueryService;
  url: string;
  get<B = any>(path: string, headers?: Record<string, string>): Promise<HttpAnswer<B>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Serves again with other options (another cache, clock or timeout), on the same schemas. */
  restart(overrides: Partial<QueryServiceOptions>): Promise<void>;
}

export type FixtureOptions = Partial<Omit<QueryServiceOptions, 'readDb' | 'prefix'>>;

const logger = createLogger(process.env.LOG_LEVEL === 'debug' ? 'debug' : 'silent');

function queryFixture(openDb: () => Promise<Sql>, defaults: FixtureOptions): () => QueryFixture {
  let fixture: QueryFixture | undefined;
  // Set as soon as the schemas exist, so they are dropped even when starting the service fails.
  let created: { db: Sql; schemas: ReadModelSchemas; cache: Cache } | undefined;
  let running: { service: QueryService; server: RunningServer } | undefined;

  const stop = async () => {
    const current = running;
    running = undefined;
    await current?.server.close();
    await current?.service.close();
  };

  const serve = async (
    base: Omit<QueryFixture, 'service' | 'url' | 'get' | 'restart'>,
    overrides: Partial<QueryServiceOptions>,
  ) => {
    await stop();
    const options: QueryServiceOptions = {
      access: NO_AUTH,
      readDb: base.db,
      cache: base.cache,
      prefix: base.prefix,
      logger,
      readYourWritesTimeoutMs: 1_000,
      checkpointPollMs: 10,
      ...defaults,
      ...overrides,
    };
    const service = createQueryService(options);
    running = { service, server: await listen(service.app, { host: '127.0.0.1', port: 0 }) };
    return running;
  };

  beforeEach(async () => {
    const db = await openDb();
    const prefix = `${freshName('q')}_`;
    const schemas = readModelSchemas(prefix);
    await createReadModelTables(db, schemas);
    const base = { db, prefix, schemas, cache: memoryCache({ maxEntries: 1_000 }) };
    created = base;
    const first = await serve(base, {});
    const self: QueryFixture = {
      ...base,
      service: first.service,
      url: first.server.url,
      async get(path, headers = {}) {
        const response = await fetch(`${self.url}${path}`, { headers });
        const text = await response.text();
        return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
      },
      async restart(overrides) {
        const next = await serve(base, overrides);
        self.service = next.service;
        self.url = next.server.url;
      },
    };
    fixture = self;
  });

  afterEach(async () => {
    await stop();
    const done = created;
    fixture = undefined;
    created = undefined;
    if (!done) return;
    await done.cache.close();
    await dropReadModelSchemas(done.db, done.schemas);
  });

  return () => {
    if (!fixture) throw new Error('the query fixture is only available inside a test');
    return fixture;
  };
}

/**
 * Runs the same specification on embedded PGlite (one instance per file) and on real PostgreSQL when
 * DATABASE_URL is set: the query service must behave the same on both read databases.
 */
export function describeOnReadDbs(
  name: string,
  body: (fixture: () => QueryFixture) => void,
  defaults: FixtureOptions = {},
): void {
  describe(`${name} on PGlite`, () => {
    const pglite = sharedPglite();
    body(queryFixture(pglite, defaults));
  });
  describeWithService('DATABASE_URL', `${name} on PostgreSQL`, (url) => {
    let db: Sql | undefined;
    beforeAll(() => {
      db = pgSql(url);
    });
    afterAll(async () => {
      await db?.close();
    });
    body(queryFixture(async () => db ?? (db = pgSql(url)), defaults));
  });
}
