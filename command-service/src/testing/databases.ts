import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { pgSql, postgresEventStore, type EventStore, type Sql } from '@order-engine/shared';
import { describeWithService, freshName, sharedPglite } from '@order-engine/shared/testing';
import { startCommandService, type RunningCommandService, type StartOptions } from './test-command-service.js';

/** A fresh event store schema and command schema in one database, dropped after the test. */
export interface TestDatabase {
  sql: Sql;
  eventStore: EventStore;
  prefix: string;
  /** Starts a command service on this database; it is stopped after the test. */
  start(options?: Partial<StartOptions>): Promise<RunningCommandService>;
  /** Another pair of fresh schemas in the same database (to compare two runs), also dropped after the test. */
  sibling(): TestDatabase;
}

function freshDatabase(sql: Sql, cleanups: (() => Promise<void>)[]): TestDatabase {
  const prefix = `${freshName('cs')}_`;
  const eventStoreSchema = `${prefix}events`;
  const eventStore = postgresEventStore(sql, { schema: eventStoreSchema, pollIntervalMs: 50 });
  const running: RunningCommandService[] = [];
  cleanups.push(async () => {
    await Promise.all(running.map((service) => service.stop()));
    await eventStore.close();
    await sql.exec(
      `DROP SCHEMA IF EXISTS ${eventStoreSchema} CASCADE; DROP SCHEMA IF EXISTS ${prefix}commands CASCADE; DROP SCHEMA IF EXISTS ${prefix}audit CASCADE;`,
    );
  });
  return {
    sql,
    eventStore,
    prefix,
    async start(options = {}) {
      const service = await startCommandService({ eventStore, sql, prefix, ...options });
      running.push(service);
      return service;
    },
    sibling: () => freshDatabase(sql, cleanups),
  };
}

function eachTestGetsAFreshDatabase(openSql: () => Promise<Sql>, body: (database: () => TestDatabase) => void): void {
  let current: TestDatabase | undefined;
  let cleanups: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    current = freshDatabase(await openSql(), cleanups);
  });
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    cleanups = [];
    current = undefined;
  });
  body(() => {
    if (!current) throw new Error('no test database: call the getter inside a test');
    return current;
  });
}

/**
 * Registers the suite twice: on PGlite (one instance for the file) and on real PostgreSQL when DATABASE_URL is
 * set. Every test gets its own schemas. Call once per file.
 */
export function onEveryDatabase(name: string, body: (database: () => TestDatabase) => void): void {
  describe(`${name} (PGlite)`, () => {
    eachTestGetsAFreshDatabase(sharedPglite(), body);
  });
  describeWithService('DATABASE_URL', `${name} (PostgreSQL)`, (url) => {
    let sql: Sql | undefined;
    beforeAll(() => {
      sql = pgSql(url);
    });
    afterAll(async () => {
      await sql?.close();
    });
    eachTestGetsAFreshDatabase(async () => sql as Sql, body);
  });
}
