import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { assertIdentifier, type Row, type Sql, type SqlExecutor } from './sql.js';

// The Sql port over PGlite (PostgreSQL in WASM, in-process). PGlite has a single connection: it queues queries and
// transactions itself, so a transaction blocks every other query until it ends. Code running inside
// transaction(fn) must therefore use the `tx` it is given, never the outer Sql (that would wait forever).

export function pgliteSql(db: PGlite): Sql {
  return {
    ...executor(db),
    parallelism: 1,
    transaction: (fn) => db.transaction((tx) => fn(executor(tx))),
    async listen(channel, onNotify) {
      // PGlite interpolates the channel into LISTEN unquoted.
      const unlisten = await db.listen(assertIdentifier(channel), onNotify);
      return () => unlisten();
    },
    close: () => db.close(),
  };
}

/** Opens PGlite on a data directory (created if missing), or in memory without one. Start-up takes a few seconds. */
export async function openPglite(dataDir?: string): Promise<Sql> {
  // PGlite creates only the last directory of the path.
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  return pgliteSql(db);
}

function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<R extends Row = Row>(text: string, params: readonly unknown[] = []) {
      const result = await db.query<R>(text, params.map(toParam));
      return result.rows;
    },
    async exec(text) {
      await db.exec(text);
    },
  };
}

function toParam(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
