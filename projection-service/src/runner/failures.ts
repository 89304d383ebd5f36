import type { Sql } from '@order-engine/shared';

// Telling "this event is poison" from "the database is in trouble" decides between dead-lettering an event and
// retrying it: dead-lettering a good event because the connection dropped would lose it from the read model.

// SQLSTATE classes that say nothing about the event: connection (08), resources (53), operator intervention (57),
// serialization failure and deadlock (40001, 40P01).
const transientSqlState = /^(08|53|57)|^40001$|^40P01$/;

export async function isInfrastructureFailure(sql: Sql, error: unknown): Promise<boolean> {
  if (typeof error === 'object' && error !== null) {
    if ((error as { retryable?: unknown }).retryable === true) return true;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && transientSqlState.test(code)) return true;
  }
  // Anything else: if the database still answers, the failure belongs to the data.
  try {
    await sql.query('select 1');
    return false;
  } catch {
    return true;
  }
}
