import { afterEach, expect, it } from 'vitest';
import { loadEngineConfig } from '../config/config.js';
import { SqlUnavailable } from '../sql/pg-sql.js';
import { describeWithService } from '../testing/services.js';
import { openDatabases, type Databases } from './open-adapters.js';

// The pools openDatabases makes carry the configured bounds: request statements the short one, the connections for
// rebuilds and exports the long one.

describeWithService('DATABASE_URL', 'openDatabases on PostgreSQL', (databaseUrl) => {
  let databases: Databases | undefined;
  afterEach(async () => {
    await databases?.close();
  });

  it('cancels a request statement past PG_STATEMENT_TIMEOUT_MS as an outage, and lets it run under PG_LONG_STATEMENT_TIMEOUT_MS', async () => {
    const config = loadEngineConfig({
      EVENT_STORE: 'postgres',
      READ_DB: 'postgres',
      DATABASE_URL: databaseUrl,
      PG_STATEMENT_TIMEOUT_MS: '300',
      PG_QUERY_TIMEOUT_MS: '1000',
      PG_LONG_STATEMENT_TIMEOUT_MS: '5000',
    });
    databases = await openDatabases(config);
    await expect(databases.readDb.query('select pg_sleep(0.6)')).rejects.toBeInstanceOf(SqlUnavailable);
    await expect(databases.eventDb.query('select pg_sleep(0.6)')).rejects.toThrow(/statement timeout/);
    await expect(databases.forLongStatements.readDb.query('select pg_sleep(0.6) as slept')).resolves.toHaveLength(1);
    // The cancelled statement's connection is usable again.
    await expect(databases.readDb.query('select 1 as one')).resolves.toEqual([{ one: 1 }]);
  });
});
