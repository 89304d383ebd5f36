import { isDeepStrictEqual } from 'node:util';
import type { Redis } from 'ioredis';
import type { Cache, SqlExecutor } from '@order-engine/shared';
import type { SentCommand } from './steady-load.js';

// What the fault suite checks in the stores themselves, not through the APIs: each command's effect, found by the
// Idempotency-Key its events carry in their metadata, and the cache entries against a fresh replay.

const effectType = { order: 'OrderPlaced', restock: 'StockAdded' } as const;

export interface Effects {
  acknowledged: number;
  /** Acknowledged commands whose event is not in the store. */
  lost: string[];
  /** Commands (acknowledged or not) whose event is in the store more than once. */
  doubled: string[];
}

export async function effectsOf(
  sql: SqlExecutor,
  eventSchema: string,
  commands: readonly SentCommand[],
): Promise<Effects> {
  const rows = await sql.query<{ key: string; type: string; stream_id: string; at: string }>(
    `select metadata->>'idempotencyKey' as key, type, stream_id, to_char(recorded_at,
      'HH24:MI:SS.MS') as at from ${eventSchema}.events
      where type in ('OrderPlaced', 'StockAdded') and metadata->>'idempotencyKey' = any($1::text[])`,
    [commands.map((c) => c.key)],
  );
  const found = new Map<string, { type: string; streamId: string; at: string }[]>();
  for (const row of rows)
    found.set(row.key, [...(found.get(row.key) ?? []), { type: row.type, streamId: row.stream_id, at: row.at }]);
  const lost: string[] = [];
  const doubled: string[] = [];
  for (const command of commands) {
    const effects = (found.get(command.key) ?? []).filter((e) => e.type === effectType[command.kind]);
    if (effects.length > 1)
      doubled.push(`${command.kind} ${command.key}: ${effects.map((e) => `${e.streamId} at ${e.at}`).join(', ')}`);
    if (command.outcome !== 'acknowledged') continue;
    const stream = command.kind === 'order' ? `order-${command.orderId}` : `product-${command.sku}`;
    if (!effects.some((e) => e.streamId === stream)) lost.push(`${command.kind} ${command.key} (${stream})`);
  }
  return { acknowledged: commands.filter((c) => c.outcome === 'acknowledged').length, lost, doubled };
}

/** Placed orders with neither OrderConfirmed nor OrderRejected in their stream. */
export async function undecidedOrders(sql: SqlExecutor, eventSchema: string): Promise<string[]> {
  const rows = await sql.query<{ stream_id: string }>(
    `select p.stream_id from ${eventSchema}.events p where p.type = 'OrderPlaced' and not exists
      (select 1 from ${eventSchema}.events d
        where d.stream_id = p.stream_id and d.type in ('OrderConfirmed', 'OrderRejected'))`,
  );
  return rows.map((r) => r.stream_id);
}

/**
 * Every entry of the stack's cache in Redis against the replay's cache: the same version and value, or it is listed.
 * `liveKeyPrefix` is what the stack's keys start with in Redis (Redis prefix + read-model prefix); a key's rest, after
 * the replay's read-model prefix, names the same view there.
 */
export async function cacheDifferences(
  redis: Redis,
  liveKeyPrefix: string,
  replay: Cache,
  replayPrefix: string,
): Promise<{ compared: number; different: string[] }> {
  const different: string[] = [];
  let compared = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${liveKeyPrefix}*`, 'COUNT', 1_000);
    cursor = next;
    for (const key of keys) {
      const [version, json] = await redis.hmget(key, 'version', 'json');
      // An entry that expired or was deleted between SCAN and HMGET is simply absent, which a cache may be.
      if (!version || json === null || json === undefined) continue;
      const expected = await replay.get(`${replayPrefix}${key.slice(liveKeyPrefix.length)}`);
      compared++;
      const same =
        expected !== undefined &&
        expected.version === Number(version) &&
        isDeepStrictEqual(expected.value, JSON.parse(json));
      if (!same)
        different.push(
          `${key}: cached version ${version}, replay ${expected ? `version ${expected.version}` : 'has no entry'}`,
        );
    }
  } while (cursor !== '0');
  return { compared, different };
}
