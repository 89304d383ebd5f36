import { assertIdentifier, type GlobalPosition, type SqlExecutor } from '@order-engine/shared';
import { z } from 'zod';
import type { ProjectionTable } from '../projections/projection.js';

// `--verify`: the rebuilt tables against the live ones, row by row, at one position of `$all`. The switch runs it in
// its transaction, with the live version's checkpoint rows locked (so the live version stands still) and the rebuilt
// version brought to exactly that checkpoint, so any difference is a real one: the live rows drifted (a bug since
// fixed, a lost write) or the projection's code now folds differently.

export const RowDifference = z.object({
  key: z.record(z.string(), z.unknown()).meta({ description: "The row's primary key." }),
  live: z.unknown().meta({ description: 'The row as the live version holds it; null when it has no such row.' }),
  rebuilt: z.unknown(),
});
export type RowDifference = z.infer<typeof RowDifference>;

export const TableComparison = z.object({
  table: z.string(),
  liveRows: z.number(),
  rebuiltRows: z.number(),
  differing: z.number(),
  // Only on Kafka, where partitions stand at different positions: the rebuilt version has not seen those events yet.
  inFlight: z
    .number()
    .meta({ description: 'Rows the live version changed past the comparison position: not compared.' }),
  samples: z.array(RowDifference).meta({ description: 'The first differing rows, by key.' }),
});
export type TableComparison = z.infer<typeof TableComparison>;

export const VerifyReport = z
  .object({
    position: z.string().meta({ description: 'The position both versions had applied every event up to.' }),
    exact: z.boolean().meta({
      description:
        'False when the live version stood at different positions per partition (rows may differ in flight).',
    }),
    identical: z.boolean(),
    tables: z.array(TableComparison),
  })
  .meta({ id: 'VerifyReport' });
export type VerifyReport = z.infer<typeof VerifyReport>;

export interface CompareOptions {
  liveSchema: string;
  rebuiltSchema: string;
  tables: readonly ProjectionTable[];
  position: GlobalPosition;
  exact: boolean;
  sampleLimit?: number;
}

export async function compareVersions(tx: SqlExecutor, options: CompareOptions): Promise<VerifyReport> {
  const tables: TableComparison[] = [];
  for (const table of options.tables) tables.push(await compareTable(tx, options, table));
  return {
    position: options.position.toString(),
    exact: options.exact,
    identical: tables.every((table) => table.differing === 0),
    tables,
  };
}

async function compareTable(
  tx: SqlExecutor,
  options: CompareOptions,
  table: ProjectionTable,
): Promise<TableComparison> {
  const live = `${assertIdentifier(options.liveSchema)}.${assertIdentifier(table.name)}`;
  const rebuilt = `${assertIdentifier(options.rebuiltSchema)}.${assertIdentifier(table.name)}`;
  const keys = table.key.map(assertIdentifier);
  const join = keys.map((key) => `l.${key} = r.${key}`).join(' and ');
  const keyOf = `jsonb_build_object(${keys.map((key) => `'${key}', coalesce(l.${key}, r.${key})`).join(', ')})`;
  // Rows the live version touched past the comparison position are in flight, not different (Kafka only: on the
  // event store's feed the live version's every row stands at or below its checkpoint).
  // (The position is a bigint of our own, safe to write into the statement.)
  const inFlight = table.position
    ? `coalesce(l.${assertIdentifier(table.position)}, 0) > ${BigInt(options.position).toString()}::bigint`
    : 'false';
  const differing = `from ${live} l full join ${rebuilt} r on ${join} where to_jsonb(l) is distinct from to_jsonb(r)`;
  const [counts] = await tx.query<{ live_rows: string; rebuilt_rows: string; differing: string; in_flight: string }>(
    `select (select count(*) from ${live})::text as live_rows, (select count(*) from ${rebuilt})::text as rebuilt_rows,
       (select count(*) ${differing} and not (${inFlight}))::text as differing,
       (select count(*) ${differing} and (${inFlight}))::text as in_flight`,
  );
  const samples = await tx.query<{ key: Record<string, unknown>; live: unknown; rebuilt: unknown }>(
    `select ${keyOf} as key, to_jsonb(l) as live, to_jsonb(r) as rebuilt ${differing} and not (${inFlight})
     order by ${keys.map((key) => `coalesce(l.${key}, r.${key})`).join(', ')} limit $1`,
    [options.sampleLimit ?? 20],
  );
  return {
    table: table.name,
    liveRows: Number(counts?.live_rows ?? 0),
    rebuiltRows: Number(counts?.rebuilt_rows ?? 0),
    differing: Number(counts?.differing ?? 0),
    inFlight: Number(counts?.in_flight ?? 0),
    samples: samples.map((row) => ({ key: row.key, live: row.live, rebuilt: row.rebuilt })),
  };
}
