import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectEsdb,
  esdbEventStore,
  loadEngineConfig,
  openDatabases,
  openEventStore,
  pgliteDirectory,
  type EngineConfig,
} from '@order-engine/shared';
import { CliFailure, type OpenedEventStore } from './command.js';

// The CLI reads the event store directly, configured like the engine (EVENT_STORE, DATABASE_URL, DATA_DIR, ...).
// It opens only the event store's database: read models are not its business.

export async function openConfiguredEventStore(env: Record<string, string | undefined>): Promise<OpenedEventStore> {
  const config = loadEngineConfig(env);
  if (config.EVENT_STORE === 'esdb') {
    // The store does not dispose the client it is given (the caller owns it): the CLI does, on close.
    const client = connectEsdb(config.ESDB_URL as string);
    const store = esdbEventStore(client);
    return { store, close: async () => (await store.close(), await client.dispose()) };
  }
  if (config.EVENT_STORE === 'pglite') assertPgliteAvailable(config);
  const databases = await openDatabases({ ...config, READ_DB: config.EVENT_STORE });
  // Exports and replays read long ranges: the long statement bound applies. Read-only: the CLI's readers never
  // migrate (npm run cli -- migrate does), so they run as a role that may only SELECT too.
  const store = openEventStore(config, databases.forLongStatements, { readOnly: true });
  return { store, close: async () => (await store.close(), await databases.close()) };
}

/**
 * PGlite is one process's database, and it does not lock its directory: a second process opening it while
 * `npm start` runs would read a torn state and could corrupt it. While PGlite has a directory open it keeps
 * postmaster.pid there (and removes it on close), which is what tells that the engine is running.
 */
export function assertPgliteAvailable(config: Pick<EngineConfig, 'DATA_DIR'>): void {
  const directory = pgliteDirectory(config);
  if (directory === undefined) {
    throw new CliFailure(
      `DATA_DIR=${config.DATA_DIR} keeps nothing between processes: there is no history for the CLI to read. Point ` +
        `DATA_DIR at the engine's data directory.`,
    );
  }
  if (!existsSync(join(directory, 'PG_VERSION'))) {
    throw new CliFailure(
      `no event store in ${directory}: start the engine once (npm start), or set DATA_DIR (or EVENT_STORE=postgres ` +
        `and DATABASE_URL) to where the events are.`,
    );
  }
  const lock = join(directory, 'postmaster.pid');
  if (existsSync(lock)) {
    throw new CliFailure(
      [
        `the embedded database in ${directory} is in use by another process (is \`npm start\` running?).`,
        'PGlite allows one process at a time: stop the engine first, then run this command again.',
        'To use the CLI while the engine runs, run both on PostgreSQL (EVENT_STORE=postgres with DATABASE_URL).',
        `If nothing is running, an engine that crashed left ${lock} behind: delete that file.`,
      ].join('\n'),
    );
  }
}
