import { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../logging/logger.js';
import type { Cache, CachedEntry, CachedJson } from './cache.js';

// The Cache port over Redis (ioredis). One hash per key holds `version` and `json`; set() is one Lua script, so the
// version check and the write are atomic however many processes write the same key.
//
// Redis is an optimisation, never a dependency: while it is down every call fails fast with CacheUnavailable (callers
// treat that as a miss and read PostgreSQL), and the client reconnects by itself when Redis is back.

/**
 * Redis could not be reached, failed, or held an unreadable entry. Callers treat it as a miss; later calls may work.
 */
export class CacheUnavailable extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheUnavailable';
  }
}

export interface RedisCacheOptions {
  /** Prepended to every key, e.g. `order-engine:cache:`, so several caches can share one Redis. */
  keyPrefix: string;
  /** Entries expire this long after their last successful write; absent or 0: they never expire. */
  ttlSeconds?: number;
}

// KEYS[1]: the entry; ARGV: version, JSON value, TTL in seconds (0: none), position ('' when unknown). Returns 1 when
// written, 0 when refused (see Cache.set).
const setIfNewerScript = `
local stored = redis.call('HMGET', KEYS[1], 'version', 'position')
if stored[1] then
  local version, incoming = tonumber(stored[1]), tonumber(ARGV[1])
  if version > incoming then return 0 end
  if version == incoming and (ARGV[4] == '' or (stored[2] and stored[2] ~= '')) then return 0 end
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'json', ARGV[2], 'position', ARGV[4])
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1
`;

const setIfNewer = 'orderEngineCacheSetIfNewer';
type ScriptedRedis = Redis & {
  [setIfNewer](key: string, version: string, json: string, ttlSeconds: number, position: string): Promise<number>;
};

/** The cache owns the client: close() quits it. */
export function redisCache(redis: Redis, options: RedisCacheOptions): Cache {
  const { keyPrefix, ttlSeconds = 0 } = options;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 0)
    throw new RangeError(`ttlSeconds must be a whole number of seconds, got ${ttlSeconds}`);
  // defineCommand sends EVALSHA and falls back to EVAL after NOSCRIPT, e.g. on a Redis that restarted empty.
  if (!(setIfNewer in redis)) redis.defineCommand(setIfNewer, { numberOfKeys: 1, lua: setIfNewerScript });
  const scripted = redis as ScriptedRedis;
  let closed = false;

  async function readStored(redisKey: string): Promise<CachedJson | undefined> {
    const [version, json, position] = await redis.hmget(redisKey, 'version', 'json', 'position');
    if (version === null || version === undefined) return undefined;
    if (json === null || json === undefined || !Number.isFinite(Number(version)))
      throw new Error(`unreadable entry at ${redisKey}`);
    if (!position) return { version: Number(version), json };
    if (!/^\d{1,19}$/.test(position)) throw new Error(`unreadable entry at ${redisKey}`);
    return { version: Number(version), json, position: BigInt(position) };
  }

  async function call<R>(operation: string, key: string, run: (redisKey: string) => Promise<R>): Promise<R> {
    if (closed) throw new CacheUnavailable(`redis cache is closed (${operation} ${key})`);
    try {
      return await run(keyPrefix + key);
    } catch (error) {
      // A Redis that stopped answering keeps the connection open, so every call would wait out the timeout.
      // Reconnecting makes the next calls fail at once until it answers again.
      if (error instanceof Error && error.message === 'Command timed out') redis.disconnect(true);
      throw new CacheUnavailable(
        `redis cache ${operation} ${key} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  return {
    get<T>(key: string): Promise<CachedEntry<T> | undefined> {
      return call('get', key, async (redisKey) => {
        const stored = await readStored(redisKey);
        if (!stored) return undefined;
        const { json, ...entry } = stored;
        return { ...entry, value: JSON.parse(json) as T };
      });
    },
    getJson(key: string): Promise<CachedJson | undefined> {
      return call('get', key, async (redisKey) => {
        const stored = await readStored(redisKey);
        // Parsed only to check it: text that is not JSON must not reach a client as an answer.
        if (stored) JSON.parse(stored.json);
        return stored;
      });
    },
    async set<T>(key: string, entry: CachedEntry<T>): Promise<boolean> {
      if (!Number.isFinite(entry.version))
        throw new RangeError(`cache version must be a finite number, got ${entry.version}`);
      const json = JSON.stringify(entry.value);
      const position = entry.position?.toString() ?? '';
      return call(
        'set',
        key,
        async (redisKey) =>
          (await scripted[setIfNewer](redisKey, String(entry.version), json, ttlSeconds, position)) === 1,
      );
    },
    delete(key: string): Promise<void> {
      return call('delete', key, async (redisKey) => {
        await redis.del(redisKey);
      });
    },
    deleteWithPrefix(prefix: string): Promise<number> {
      return call('deleteWithPrefix', prefix, async (redisPrefix) => {
        // SCAN in steps, not KEYS: Redis keeps answering other clients meanwhile. UNLINK frees the memory off its main
        // thread.
        const pattern = `${redisPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
        let deleted = 0;
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
          if (keys.length > 0) deleted += await redis.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
        return deleted;
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // quit() waits for pending replies but is refused while the connection is down; then just drop it.
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export interface RedisConnectionOptions {
  /** Connection errors and recoveries are logged here (default: nowhere). */
  logger?: Logger;
  /** While Redis stays down, connection errors are logged at most once per interval (default 30 s). */
  errorLogIntervalMs?: number;
  /** Longest pause between reconnect attempts (default 2 s); the first ones come after 50, 100, 200 ms… */
  maxReconnectDelayMs?: number;
  /** A command with no answer after this long fails, so a frozen Redis cannot hang reads (default 500 ms). */
  commandTimeoutMs?: number;
  /** A connection attempt that gets no answer is abandoned after this long (default 1 s). */
  connectTimeoutMs?: number;
}

/**
 * A client configured for a cache: calls fail at once while Redis is down instead of queueing, and it keeps
 * reconnecting with capped backoff. Resolves when connected, or after the first failed attempt: a Redis that is
 * down at start-up is an outage like any other, not a reason to refuse to start.
 */
export async function connectRedis(url: string, options: RedisConnectionOptions = {}): Promise<Redis> {
  const { maxReconnectDelayMs = 2_000, commandTimeoutMs = 500, connectTimeoutMs = 1_000 } = options;
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    // Commands issued in the same turn of the event loop (a round's cache writes, concurrent reads) go in one write:
    // at 200 orders/s a quarter fewer system calls and context switches across the stack.
    enableAutoPipelining: true,
    // A command caught by a dropped connection is retried once on reconnect, then fails.
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt - 1, 16), maxReconnectDelayMs),
  });
  logConnectionEvents(redis, options.logger ?? silentLogger, options.errorLogIntervalMs ?? 30_000);
  // The 'error' listener has logged the failure and ioredis keeps retrying, so a failed first attempt is no error here.
  await redis.connect().catch(() => {});
  return redis;
}

// Listening to 'error' also keeps an unreachable Redis from crashing the process (an unheard 'error' event would).
// A clean close (Redis shutting down) brings no 'error', so a scheduled reconnect also counts as being down.
// At most one warning per interval, even when Redis flaps; a recovery is logged only after a logged outage.
function logConnectionEvents(redis: Redis, logger: Logger, intervalMs: number): void {
  let down = false;
  let announced = false;
  let lastLoggedAt = -Infinity;
  let suppressed = 0;
  const reportDown = (reason: string) => {
    down = true;
    const now = Date.now();
    if (now - lastLoggedAt < intervalMs) {
      suppressed += 1;
      return;
    }
    logger.warn('redis unreachable: cache calls fail until it is back', { reason, suppressed });
    lastLoggedAt = now;
    suppressed = 0;
    announced = true;
  };
  redis.on('error', (error: Error) => reportDown(error.message));
  redis.on('reconnecting', () => reportDown('connection lost, reconnecting'));
  redis.on('ready', () => {
    if (down && announced) logger.info('redis reachable again');
    down = false;
    announced = false;
  });
}
