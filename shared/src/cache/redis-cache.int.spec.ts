import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCache as openEngineCache, redisCacheKeyPrefix } from '../composition/open-adapters.js';
import { loadEngineConfig } from '../config/config.js';
import { createLogger, silentLogger } from '../logging/logger.js';
import { describeWithService } from '../testing/services.js';
import { freshName } from '../testing/names.js';
import type { Cache } from './cache.js';
import { cacheContract } from './cache.contract.js';
import { CacheUnavailable, connectRedis, redisCache, type RedisCacheOptions } from './redis-cache.js';

describeWithService('REDIS_URL', 'redisCache', (url) => {
  let admin: Redis;
  const prefixes: string[] = [];

  beforeAll(() => {
    admin = new Redis(url);
  });

  afterAll(async () => {
    for (const prefix of prefixes) await removeKeys(admin, prefix);
    await admin.quit();
  });

  /** A cache under a fresh key prefix, whose keys afterAll removes. */
  async function makeCache(options: Partial<RedisCacheOptions> = {}): Promise<{ cache: Cache; keyPrefix: string }> {
    const keyPrefix = `${freshName('cache')}:`;
    prefixes.push(keyPrefix);
    return { cache: redisCache(await connectRedis(url), { keyPrefix, ...options }), keyPrefix };
  }

  cacheContract('redisCache', async () => {
    const { cache, keyPrefix } = await makeCache();
    return { cache, cleanup: () => removeKeys(admin, keyPrefix) };
  });

  describe('on Redis', () => {
    const open: Cache[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((cache) => cache.close()));
    });
    async function openCache(options: Partial<RedisCacheOptions> = {}) {
      const made = await makeCache(options);
      open.push(made.cache);
      return made;
    }

    it('stores one hash per key under its prefix, holding the version, the JSON value and the position (empty when unknown)', async () => {
      const { cache, keyPrefix } = await openCache();
      await cache.set('product:a', { version: 3, value: { name: 'A' } });
      expect(await admin.keys(`${keyPrefix}*`)).toEqual([`${keyPrefix}product:a`]);
      expect(await admin.hgetall(`${keyPrefix}product:a`)).toEqual({
        version: '3',
        json: '{"name":"A"}',
        position: '',
      });
      await cache.set('product:a', { version: 4, value: { name: 'B' }, position: 9_007_199_254_740_993n });
      expect(await admin.hgetall(`${keyPrefix}product:a`)).toEqual({
        version: '4',
        json: '{"name":"B"}',
        position: '9007199254740993',
      });
    });

    it('keeps caches with different prefixes apart', async () => {
      const { cache: first } = await openCache();
      const { cache: second } = await openCache();
      await first.set('k', { version: 9, value: 'first' });
      expect(await second.set('k', { version: 1, value: 'second' })).toBe(true);
      expect(await first.get('k')).toEqual({ version: 9, value: 'first' });
      expect(await second.get('k')).toEqual({ version: 1, value: 'second' });
    });

    it('is atomic across connections: 50 shuffled writes over 5 clients end with the highest version', async () => {
      const { cache, keyPrefix } = await openCache();
      const writers = [cache];
      for (let i = 1; i < 5; i++) writers.push((await openCache({ keyPrefix })).cache);
      const versions = Array.from({ length: 50 }, (_, version) => version).sort(() => Math.random() - 0.5);
      const written = await Promise.all(
        versions.map((version, i) => writers[i % 5]!.set('k', { version, value: `v${version}` })),
      );
      expect(written.filter(Boolean).length).toBeGreaterThanOrEqual(1);
      for (const writer of writers) expect(await writer.get('k')).toEqual({ version: 49, value: 'v49' });
    });

    it('expires entries ttlSeconds after their last write; an older version may then be cached again', async () => {
      const { cache, keyPrefix } = await openCache({ ttlSeconds: 1 });
      await cache.set('k', { version: 2, value: 'two' });
      const ttl = await admin.pttl(`${keyPrefix}k`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1_000);
      await waitFor(async () => (await cache.get('k')) === undefined, 3_000);
      expect(await cache.set('k', { version: 1, value: 'one' })).toBe(true);
    });

    it('refreshes the TTL on a write, but not on a refused one', async () => {
      const { cache, keyPrefix } = await openCache({ ttlSeconds: 100 });
      await cache.set('k', { version: 2, value: 'two' });
      await admin.expire(`${keyPrefix}k`, 50);
      expect(await cache.set('k', { version: 1, value: 'one' })).toBe(false);
      expect(await admin.ttl(`${keyPrefix}k`)).toBeLessThanOrEqual(50);
      expect(await cache.set('k', { version: 3, value: 'three' })).toBe(true);
      expect(await admin.ttl(`${keyPrefix}k`)).toBeGreaterThan(50);
    });

    it('is opened by the services with CACHE_TTL_SECONDS as its TTL (a day unless set), under CACHE_KEY_PREFIX', async () => {
      const keyPrefix = `${freshName('cache')}:`;
      prefixes.push(keyPrefix);
      const config = (env: Record<string, string>) =>
        loadEngineConfig({ CACHE: 'redis', REDIS_URL: url, CACHE_KEY_PREFIX: keyPrefix, ...env });
      const opened = [await openEngineCache(config({}), silentLogger, { projectionsInProcess: false })];
      opened.push(
        await openEngineCache(config({ CACHE_TTL_SECONDS: '60' }), silentLogger, { projectionsInProcess: false }),
      );
      open.push(...opened);
      await opened[0]!.set('day', { version: 1, value: 'x' });
      await opened[1]!.set('minute', { version: 1, value: 'x' });
      const ttl = (key: string) => admin.ttl(`${redisCacheKeyPrefix({ CACHE_KEY_PREFIX: keyPrefix })}${key}`);
      expect(await ttl('day')).toBeGreaterThan(86_000);
      expect(await ttl('day')).toBeLessThanOrEqual(86_400);
      expect(await ttl('minute')).toBeGreaterThan(0);
      expect(await ttl('minute')).toBeLessThanOrEqual(60);
    });

    it('keeps entries without ttlSeconds until they are replaced or deleted', async () => {
      const { cache, keyPrefix } = await openCache();
      await cache.set('k', { version: 1, value: 'one' });
      expect(await admin.pttl(`${keyPrefix}k`)).toBe(-1);
    });

    it('reports an entry it cannot read as CacheUnavailable instead of hiding it', async () => {
      const { cache, keyPrefix } = await openCache();
      await admin.set(`${keyPrefix}plain-string`, 'not a hash');
      await admin.hset(`${keyPrefix}bad-json`, 'version', '1', 'json', '{not json');
      await expect(cache.get('plain-string')).rejects.toThrow(CacheUnavailable);
      await expect(cache.set('plain-string', { version: 1, value: 1 })).rejects.toThrow(/WRONGTYPE/);
      await expect(cache.get('bad-json')).rejects.toThrow(CacheUnavailable);
      await expect(cache.getJson('bad-json')).rejects.toThrow(CacheUnavailable);
    });

    it('refuses a TTL that is not a whole number of seconds', () => {
      const redis = new Redis(url, { lazyConnect: true });
      expect(() => redisCache(redis, { keyPrefix: 'x:', ttlSeconds: 1.5 })).toThrow(RangeError);
      redis.disconnect();
    });
  });

  describe('during a Redis outage', () => {
    const servers: ChildProcess[] = [];
    const open: Cache[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((cache) => cache.close()));
      // SIGKILL: a SIGSTOPped server would leave SIGTERM pending.
      for (const server of servers.splice(0))
        if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    });

    it('fails every call within a second with CacheUnavailable, and logs the outage once', async () => {
      const port = await freePort();
      const { logger, lines } = capturingLogger();
      const started = Date.now();
      const cache = redisCache(await connectRedis(`redis://127.0.0.1:${port}`, { logger, maxReconnectDelayMs: 100 }), {
        keyPrefix: 'x:',
      });
      open.push(cache);
      expect(Date.now() - started).toBeLessThan(1_000);

      for (let i = 0; i < 10; i++) {
        for (const call of [
          () => cache.get('k'),
          () => cache.set('k', { version: i, value: i }),
          () => cache.delete('k'),
        ]) {
          const { error, ms } = await rejection(call);
          expect(error).toBeInstanceOf(CacheUnavailable);
          expect(ms).toBeLessThan(1_000);
        }
        await sleep(100);
      }
      expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    });

    it.skipIf(!hasRedisServer())(
      'fails fast while Redis is down, and the same client works again once it is back',
      async () => {
        const port = await freePort();
        servers.push(await startRedisServer(port));
        const { logger, lines } = capturingLogger();
        const cache = redisCache(
          await connectRedis(`redis://127.0.0.1:${port}`, { logger, maxReconnectDelayMs: 200 }),
          { keyPrefix: 'x:' },
        );
        open.push(cache);
        expect(await cache.set('k', { version: 1, value: 'one' })).toBe(true);

        // Calls in flight when Redis stops either finish or fail; none hangs.
        const stopping = Date.now();
        const inFlight = Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => cache.set(`k${i}`, { version: 1, value: 'x'.repeat(10_000) })),
        );
        await stopRedisServer(port, servers[0]!);
        for (const settled of await inFlight)
          if (settled.status === 'rejected') expect(settled.reason).toBeInstanceOf(CacheUnavailable);
        expect(Date.now() - stopping).toBeLessThan(1_000);

        for (const call of [
          () => cache.get('k'),
          () => cache.set('k', { version: 2, value: 'two' }),
          () => cache.delete('k'),
        ]) {
          const { error, ms } = await rejection(call);
          expect(error).toBeInstanceOf(CacheUnavailable);
          expect(ms).toBeLessThan(1_000);
        }

        servers.push(await startRedisServer(port));
        await waitFor(
          () =>
            cache.get('k').then(
              () => true,
              () => false,
            ),
          5_000,
        );
        // The new server starts empty and without the set script: the client loads it again by itself.
        expect(await cache.get('k')).toBeUndefined();
        expect(await cache.set('k', { version: 2, value: 'two' })).toBe(true);
        expect(await cache.get('k')).toEqual({ version: 2, value: 'two' });
        expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
        expect(lines.filter((line) => line.msg === 'redis reachable again')).toHaveLength(1);
      },
    );

    it.skipIf(!hasRedisServer())(
      'waits out one command timeout on a frozen Redis, then fails at once until it answers again',
      async () => {
        const port = await freePort();
        const server = await startRedisServer(port);
        servers.push(server);
        const cache = redisCache(await connectRedis(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 300 }), {
          keyPrefix: 'x:',
        });
        open.push(cache);
        await cache.set('k', { version: 1, value: 'one' });

        server.kill('SIGSTOP');
        const first = await rejection(() => cache.get('k'));
        expect(first.error).toBeInstanceOf(CacheUnavailable);
        expect(first.ms).toBeGreaterThanOrEqual(250);
        expect(first.ms).toBeLessThan(1_000);
        for (let i = 0; i < 5; i++) {
          const { error, ms } = await rejection(() => cache.get('k'));
          expect(error).toBeInstanceOf(CacheUnavailable);
          expect(ms).toBeLessThan(50);
        }

        server.kill('SIGCONT');
        await waitFor(
          () =>
            cache.get('k').then(
              () => true,
              () => false,
            ),
          5_000,
        );
        expect(await cache.get('k')).toEqual({ version: 1, value: 'one' });
      },
    );
  });
});

async function removeKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

function capturingLogger() {
  const lines: { level: string; msg: string }[] = [];
  return {
    lines,
    logger: createLogger('debug', {}, (line) => lines.push(JSON.parse(line) as { level: string; msg: string })),
  };
}

async function rejection(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected the call to fail');
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

function hasRedisServer(): boolean {
  const found = spawnSync('redis-server', ['--version']).status === 0;
  if (!found) console.warn('[skipped] Redis restart test: redis-server is not installed on this machine');
  return found;
}

async function startRedisServer(port: number): Promise<ChildProcess> {
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()],
    { stdio: 'ignore' },
  );
  await waitFor(
    () =>
      send(port, 'PING').then(
        (reply) => reply.startsWith('+PONG'),
        () => false,
      ),
    10_000,
  );
  return server;
}

async function stopRedisServer(port: number, server: ChildProcess): Promise<void> {
  const exited = once(server, 'exit');
  await send(port, 'SHUTDOWN NOSAVE').catch(() => '');
  await exited;
}

/** Sends one inline command on a fresh connection; resolves with the first reply, or '' when the server closes it. */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (reply: string) => {
      socket.destroy();
      resolve(reply);
    });
    socket.once('close', () => resolve(''));
    socket.once('error', reject);
  });
}
