import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { dropReadModels } from '@order-engine/projection-service/testing';
import type { SqlExecutor } from '@order-engine/shared';

// Runs the engine's services as real OS processes, so a test can SIGKILL one mid-load and start it again.

const root = resolve(import.meta.dirname, '..');

export const entryPoints = {
  command: 'command-service/src/main.ts',
  relay: 'command-service/src/relay/main.ts',
  projection: 'projection-service/src/main.ts',
  query: 'query-service/src/main.ts',
} as const;

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * The settings of a distributed deployment that shares nothing but the servers: the PostgreSQL event store and read
 * models, Kafka, and schemas, topic and consumer groups named after id.
 */
export function distributedEnv(id: string, databaseUrl: string, kafkaBrokers: string) {
  return {
    DATABASE_URL: databaseUrl,
    EVENT_STORE: 'postgres',
    READ_DB: 'postgres',
    BUS: 'kafka',
    KAFKA_BROKERS: kafkaBrokers,
    KAFKA_TOPIC: `${id}.events`,
    KAFKA_GROUP_PREFIX: id,
    EVENT_STORE_SCHEMA: `${id}_events`,
    READ_MODEL_PREFIX: `${id}_`,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    HOST: '127.0.0.1',
  };
}

/**
 * Drops what a distributed deployment of distributedEnv made in PostgreSQL, and the read models of a replay beside it.
 */
export async function dropDistributedSchemas(
  sql: SqlExecutor,
  env: { READ_MODEL_PREFIX: string; EVENT_STORE_SCHEMA: string },
): Promise<void> {
  await dropReadModels(sql, env.READ_MODEL_PREFIX);
  await dropReadModels(sql, `${env.READ_MODEL_PREFIX}replay_`);
  for (const schema of [env.EVENT_STORE_SCHEMA, `${env.READ_MODEL_PREFIX}commands`, `${env.READ_MODEL_PREFIX}relay`]) {
    await sql.exec(`drop schema if exists ${schema} cascade`);
  }
}

export interface ServiceProcess {
  name: string;
  url?: string;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

async function waitForHealth(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`process exited with ${child.exitCode} before it was healthy:\n${output()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no healthy answer from ${url} within ${timeoutMs} ms:\n${output()}`);
}

/** Starts one service process with env; when port is given, waits until GET /health answers. */
export async function startService(
  name: string,
  entry: string,
  env: Record<string, string>,
  port?: number,
): Promise<ServiceProcess> {
  let child: ChildProcess;
  let log = '';
  const url = port === undefined ? undefined : `http://127.0.0.1:${port}`;
  const launch = async () => {
    // `node --import tsx`, not the tsx CLI: the CLI runs the service in a child process, which a SIGKILL of the CLI
    // would leave running.
    child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      // On loopback, and about something else than the trust boundary (access.e2e.spec.ts is about that).
      env: { ...process.env, AUTH: 'none', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The last megabyte: enough for a test's polling, one access-log line a request, not to push out what it looks for.
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-1_000_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    if (url) await waitForHealth(url, child, () => log);
  };
  await launch();
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  return { name, url, output: () => log, kill, restart: launch };
}
