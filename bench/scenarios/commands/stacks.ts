import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { dropReadModels } from '@order-engine/projection-service/testing';
import { pgSql } from '@order-engine/shared';
import { kafkaNamespace, kafkaPrincipalEnv, testKafka } from '@order-engine/shared/testing';
import { distributedEnv, entryPoints, freePort, startService, type ServiceProcess } from '../../../e2e/processes.js';
import { cpuSeconds, type CpuSeconds } from './cpu.js';
import { authEnv } from './keys.js';
import type { Stack } from './open-loop.js';

// The two stacks the commands benchmark drives, each in processes of their own so the load generator (this process)
// does not share their event loops.

export interface RunningStack extends Stack {
  /**
   * CPU seconds used so far by each of the stack's processes and the servers it uses, where the platform tells (Linux).
   */
  cpuSeconds(): Promise<CpuSeconds | undefined>;
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, '../../..');

/** `npm start`'s engine (PGlite, in-process fan-out, memory cache) in one child process. */
export async function startEmbedded(env: Record<string, string> = {}): Promise<RunningStack> {
  return startChild('engine', 'bench/scenarios/commands/embedded-engine.ts', { ...authEnv, ...env });
}

/** A stack in one child process that prints its URLs as one JSON line; SIGTERM stops it. */
async function startChild(name: string, entry: string, env: Record<string, string>): Promise<RunningStack> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  const lines = createInterface({ input: child.stdout });
  const urls = await new Promise<Stack>((done, fail) => {
    lines.once('line', (line) => done(JSON.parse(line) as Stack));
    child.once('exit', (code) => fail(new Error(`${entry} exited with ${code} before it was ready`)));
  });
  return {
    ...urls,
    cpuSeconds: () => cpuSeconds(() => name),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The CRUD contender (bench/contenders/crud/): one Express + pg process on DATABASE_URL, in a schema of its own. */
export async function startCrud(databaseUrl: string, env: Record<string, string> = {}): Promise<RunningStack> {
  return startChild('crud', 'bench/contenders/crud/main.ts', { ...env, DATABASE_URL: databaseUrl });
}

export interface DistributedSettings {
  /**
   * Where the relay runs: inside command-service (RELAY_IN_PROCESS=true, the default here), woken by its appends at
   * once, or as a process of its own, woken by PostgreSQL's NOTIFY.
   */
  relay: 'in-process' | 'process';
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string;
  /** Extra env for every service (e.g. NODE_OPTIONS for profiling). */
  env?: Record<string, string>;
}

/**
 * command-service (with the saga, and the relay unless it runs as a process of its own), one projection worker and
 * query-service as separate processes on PostgreSQL, Kafka and Redis, with schemas, topic, consumer groups and Redis
 * keys of their own, all removed by stop().
 */
export async function startDistributed({
  relay,
  databaseUrl,
  redisUrl,
  kafkaBrokers,
  env: extra = {},
}: DistributedSettings): Promise<RunningStack> {
  const id = `bench_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const env: Record<string, string> = {
    ...distributedEnv(id, databaseUrl, kafkaBrokers),
    ...authEnv,
    // Under the names the service principals' ACLs cover (scripts/kafka/kafka.sh), so that the relay and the projection
    // worker connect as their own principals (command-service with the relay in it keeps the admin's: it also reads).
    ...kafkaNamespace(id),
    REDIS_URL: redisUrl,
    CACHE: 'redis',
    CACHE_KEY_PREFIX: `${id}:`,
    ...extra,
  };
  const processes: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await cleanUp(env, id);
  };
  try {
    const commandPort = await freePort();
    const inProcess = String(relay === 'in-process');
    processes.push(
      await startService(
        'command',
        entryPoints.command,
        {
          ...env,
          // With the relay in it, command-service also writes: it keeps the admin's credentials then.
          ...(relay === 'process' && kafkaPrincipalEnv('saga')),
          RELAY_IN_PROCESS: inProcess,
          COMMAND_PORT: String(commandPort),
        },
        commandPort,
      ),
    );
    if (relay === 'process')
      processes.push(await startService('relay', entryPoints.relay, { ...env, ...kafkaPrincipalEnv('relay') }));
    const projectionPort = await freePort();
    processes.push(
      await startService(
        'projection',
        entryPoints.projection,
        { ...env, ...kafkaPrincipalEnv('projections'), PROJECTION_PORT: String(projectionPort) },
        projectionPort,
      ),
    );
    const queryPort = await freePort();
    processes.push(
      await startService('query', entryPoints.query, { ...env, QUERY_PORT: String(queryPort) }, queryPort),
    );
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const nameOf = (cmdline: string) =>
    Object.entries(entryPoints).find(([, entry]) => cmdline.includes(` ${entry} `))?.[0] ?? 'other';
  return {
    commandUrl: processes[0]!.url!,
    queryUrl: processes.at(-1)!.url!,
    cpuSeconds: () => cpuSeconds(nameOf),
    stop,
  };
}

async function cleanUp(env: Record<string, string>, id: string): Promise<void> {
  const sql = pgSql(env.DATABASE_URL!);
  try {
    await dropReadModels(sql, env.READ_MODEL_PREFIX!);
    for (const schema of [env.EVENT_STORE_SCHEMA!, `${env.READ_MODEL_PREFIX}commands`, `${env.READ_MODEL_PREFIX}relay`])
      await sql.exec(`drop schema if exists ${schema} cascade`);
  } finally {
    await sql.close();
  }
  const redis = new Redis(env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${id}:*`, 'COUNT', 1_000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  const admin = testKafka(env.KAFKA_BROKERS!).admin();
  try {
    await admin.connect();
    await admin.deleteTopics({ topics: [env.KAFKA_TOPIC!] });
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(env.KAFKA_GROUP_PREFIX!));
    // A group whose members have not been noticed gone yet refuses; it expires on its own, so that is no failure.
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
