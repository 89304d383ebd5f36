import { parse, protocol, type PGlite, type Transaction } from '@electric-sql/pglite';
import type { Row } from './sql.js';

// Named prepared statements for PGlite. Its query() parses, describes and plans the text on every call (six protocol
// messages through the WASM); the engine sends a few dozen texts over and over, and one prepared once is then bound
// and executed in one message, for a third to a half of the cost (docs/benchmarks.md). A text is prepared the second
// time it is seen, up to a bound; DDL through exec() forgets them all, so no plan outlives the tables it was made for.

const MAX_PREPARED = 256;
const MAX_SEEN = 4_096;

interface Prepared {
  name: string;
  types: number[];
}

export interface StatementCache {
  /** Runs a query in the transaction given, or on its own; the rows as PGlite's query() gives them. */
  query<R extends Row = Row>(text: string, params: readonly unknown[], tx?: Transaction): Promise<R[]>;
  /** After DDL: the prepared statements are closed, and prepared again on their next uses. */
  forget(): Promise<void>;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
};

export function statementCache(db: PGlite): StatementCache {
  const prepared = new Map<string, Prepared>();
  const seen = new Set<string>();
  let counter = 0;

  const prepare = async (text: string): Promise<Prepared> => {
    const name = `oe_${++counter}`;
    const { serialize } = protocol;
    const described = await db.execProtocolStream(
      concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]),
      { syncToFs: false },
    );
    const statement = { name, types: parse.parseDescribeStatementResults(described) };
    prepared.set(text, statement);
    return statement;
  };

  const execute = async <R extends Row>(text: string, params: readonly unknown[]): Promise<R[]> => {
    const { name, types } = prepared.get(text) ?? (await prepare(text));
    const values = params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const serializer = db.serializers[types[i]!];
      return serializer ? serializer(param) : String(param);
    });
    const { serialize } = protocol;
    const messages = await db.execProtocolStream(
      concat([
        serialize.bind({ statement: name, values }),
        serialize.describe({ type: 'P' }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      { syncToFs: false },
    );
    return (parse.parseResults(messages, db.parsers)[0]?.rows ?? []) as R[];
  };

  return {
    async query<R extends Row = Row>(text: string, params: readonly unknown[], tx?: Transaction) {
      if (!prepared.has(text) && (prepared.size >= MAX_PREPARED || !seen.has(text))) {
        if (seen.size >= MAX_SEEN) seen.clear();
        seen.add(text);
        return (await (tx ?? db).query<R>(text, params as unknown[])).rows;
      }
      // The locks PGlite's own query() takes: in a transaction, the query lock only (the transaction holds the other).
      const run = () => db._runExclusiveQuery(() => execute<R>(text, params));
      if (tx) return run();
      return db._runExclusiveTransaction(async () => {
        const rows = await run();
        await db.syncToFs();
        return rows;
      });
    },
    async forget() {
      if (prepared.size === 0) return;
      const names = [...prepared.values()].map(({ name }) => name);
      prepared.clear();
      const { serialize } = protocol;
      await db._runExclusiveQuery(() =>
        db.execProtocolStream(
          concat([...names.map((name) => serialize.close({ type: 'S', name })), serialize.sync()]),
          {
            syncToFs: false,
            throwOnError: false,
          },
        ),
      );
    },
  };
}
