import { parseArgs } from 'node:util';
import { migrateCommandStorage } from '@order-engine/command-service';
import { migrateReadModels } from '@order-engine/projection-service';
import {
  auditSchema,
  createReadOnlyRole,
  grantAuditAppend,
  migrateAuditLog,
  loadEngineConfig,
  migrateEventStore,
  openDatabases,
  readModelSchemas,
  redactSecrets,
  grantReadOnly,
  type EngineConfig,
} from '@order-engine/shared';
import { CliFailure, usage, UsageError, type CliContext, type Command } from '../command.js';

// `migrate`: creates (or brings up to date) every schema the engine uses in PostgreSQL, as the writing services do at
// start, so that a deployment can migrate first and then run each service with only the rights it needs. With
// --read-role it also creates a role that may only SELECT, for the query service (QUERY_DATABASE_URL).

export const command: Command = {
  summary:
    'create every PostgreSQL schema and table the engine uses (idempotent); --read-role grants a SELECT-only role',
  usage: `usage:
  npm run cli -- migrate [--read-role ROLE]

Creates, where missing, in DATABASE_URL's database: the event store (EVENT_STORE_SCHEMA), the command service's
idempotency keys and saga checkpoints (READ_MODEL_PREFIX + commands), the projections' admin tables (checkpoints,
dead letters, registry, rebuild jobs), the audit log and the live version of every read model. Safe to run again,
and while the services run. The embedded engine on PGlite migrates itself at start; this command is for PostgreSQL
(EVENT_STORE=postgres or esdb, or READ_DB=postgres). Run it as the role that owns the schemas (the services' writing
role).

--read-role ROLE creates ROLE when missing (LOGIN; its password from READ_ROLE_PASSWORD when set, else none: set one
with ALTER ROLE) and grants it USAGE and SELECT on the event store, the admin schema and the read models, and SELECT
on the tables created there later; and INSERT on the audit log, to record what it refuses; nothing else. Point the
query service at it with QUERY_DATABASE_URL.`,
  async run(args, context) {
    const { values, positionals } = usage(() =>
      parseArgs({ args, options: { 'read-role': { type: 'string' } }, allowPositionals: true, strict: true }),
    );
    if (positionals.length > 0) throw new UsageError('migrate takes no arguments');
    const readRole = values['read-role'];
    if (readRole !== undefined && !/^[a-z_][a-z0-9_]*$/.test(readRole))
      throw new UsageError('--read-role: a role name of lower-case letters, digits and _');
    const config = loadEngineConfig(context.env);
    await migrate(config, { readRole, readRolePassword: context.env.READ_ROLE_PASSWORD }, context);
  },
};

async function migrate(
  config: EngineConfig,
  options: { readRole?: string; readRolePassword?: string },
  context: CliContext,
): Promise<void> {
  const eventsOnPostgres = config.EVENT_STORE === 'postgres';
  // With EventStoreDB the command service still keeps its idempotency keys and checkpoints in PostgreSQL.
  const commandsOnPostgres = config.EVENT_STORE !== 'pglite';
  const readModelsOnPostgres = config.READ_DB === 'postgres';
  if (!commandsOnPostgres && !readModelsOnPostgres) {
    throw new CliFailure(
      'nothing to migrate in PostgreSQL: EVENT_STORE and READ_DB are pglite, whose database the embedded engine ' +
        'migrates itself at start. Set EVENT_STORE=postgres and READ_DB=postgres with DATABASE_URL.',
    );
  }
  const databases = await openDatabases(config);
  const say = (line: string) => context.stderr.write(`${line}\n`);
  try {
    const granted: string[] = [];
    if (eventsOnPostgres) {
      await migrateEventStore(databases.eventDb, config.EVENT_STORE_SCHEMA);
      granted.push(config.EVENT_STORE_SCHEMA);
      say(`event store: schema ${config.EVENT_STORE_SCHEMA}`);
    }
    if (commandsOnPostgres) {
      const schema = await migrateCommandStorage(databases.eventDb, config.READ_MODEL_PREFIX);
      say(`command service: schema ${schema} (idempotency keys, saga checkpoints)`);
    }
    if (readModelsOnPostgres) {
      await migrateAuditLog(databases.readDb, config.READ_MODEL_PREFIX);
      const versions = await migrateReadModels(databases.readDb, config.READ_MODEL_PREFIX);
      const schemas = readModelSchemas(config.READ_MODEL_PREFIX, versions);
      const { admin, ...models } = schemas;
      granted.push(admin, ...Object.values(models));
      say(`projections: admin schema ${admin}; read models ${Object.values(models).join(', ')}`);
      say(`audit log: schema ${auditSchema(config.READ_MODEL_PREFIX)}`);
    }
    if (options.readRole !== undefined) {
      // One PostgreSQL database holds them all (openDatabases gives both the same DATABASE_URL).
      const sql = readModelsOnPostgres ? databases.readDb : databases.eventDb;
      await createReadOnlyRole(sql, options.readRole, { password: options.readRolePassword });
      await grantReadOnly(sql, options.readRole, granted);
      // The query service records the requests it refuses in the audit log: INSERT there, nothing else.
      if (readModelsOnPostgres) await grantAuditAppend(sql, options.readRole, config.READ_MODEL_PREFIX);
      say(
        `read-only role ${options.readRole}: USAGE and SELECT on ${granted.join(', ')}` +
          (readModelsOnPostgres ? `; INSERT on ${auditSchema(config.READ_MODEL_PREFIX)}.entries` : '') +
          (options.readRolePassword === undefined ? ' (no password set: READ_ROLE_PASSWORD, or ALTER ROLE)' : ''),
      );
      say(`query service: QUERY_DATABASE_URL=${readerUrl(config, options.readRole, options.readRolePassword)}`);
    }
    say('migrated');
  } finally {
    await databases.close();
  }
}

/** DATABASE_URL as the read role, its password redacted (shown, never printed). */
function readerUrl(config: EngineConfig, role: string, password: string | undefined): string {
  const url = new URL(config.DATABASE_URL as string);
  url.username = role;
  url.password = password === undefined ? '' : encodeURIComponent(password);
  return redactSecrets(url.toString());
}
