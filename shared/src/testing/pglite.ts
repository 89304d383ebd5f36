import { afterAll } from 'vitest';
import { openPglite } from '../sql/pglite-sql.js';
import type { Sql } from '../sql/sql.js';

/**
 * One in-memory PGlite per test file, because starting one takes seconds. Call at the top of a test file (or in a
 * describe): it returns a function that opens PGlite on first use and hands out the same Sql after that; the
 * instance is closed after the file's tests. Give each test its own schema (freshName) instead of its own database.
 */
export function sharedPglite(): () => Promise<Sql> {
  let opened: Promise<Sql> | undefined;
  afterAll(async () => {
    await (await opened)?.close();
  });
  return () => (opened ??= openPglite());
}
