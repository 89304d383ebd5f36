import type { Sql } from '@order-engine/shared';
import { sqlIdempotencyStore } from '../idempotency/idempotency-store.js';
import { sqlCheckpointStore } from '../saga/checkpoints.js';
import { commandsSchema } from './commands-schema.js';

/**
 * Creates the command service's own tables (idempotency keys, saga checkpoints) where missing, as the service does at
 * start: for `npm run cli -- migrate`. Says which schema holds them.
 */
export async function migrateCommandStorage(sql: Sql, prefix = ''): Promise<string> {
  await sqlIdempotencyStore(sql, { prefix }).migrate();
  await sqlCheckpointStore(sql, { prefix }).migrate();
  return commandsSchema(prefix);
}
