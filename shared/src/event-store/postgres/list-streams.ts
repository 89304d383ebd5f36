import type { SqlExecutor } from '../../sql/sql.js';
import type { ListStreamsQuery, StreamSummary } from '../event-store.js';

type StreamRow = { stream_id: string; revision: number; position: string; recorded_at: Date | string };

/** `%`, `_` and `\` in a prefix are matched as themselves. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Stream ids in byte order (collation "C": the same pages whatever the database's locale). */
export async function listStreams(
  sql: SqlExecutor,
  schema: string,
  { prefix, after, limit }: ListStreamsQuery,
): Promise<StreamSummary[]> {
  const rows = await sql.query<StreamRow>(
    `select stream_id, max(revision) as revision, max(position)::text as position, max(recorded_at) as recorded_at
       from ${schema}.events
      where stream_id like $1 and ($2::text is null or stream_id collate "C" > $2)
      group by stream_id order by stream_id collate "C" limit $3`,
    [likePrefix(prefix ?? ''), after ?? null, limit],
  );
  return rows.map((row) => ({
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: BigInt(row.position),
    recordedAt: new Date(row.recorded_at),
  }));
}
