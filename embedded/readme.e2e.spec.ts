import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgSql } from '@order-engine/shared';
import { freshName, kafkaNamespace, serviceUrl } from '@order-engine/shared/testing';
import { dropDistributedSchemas, freePort, startService, type ServiceProcess } from '../e2e/processes.js';
import { eventually } from './http-client.js';
import { readmeBlocks, type ReadmeBlock } from './readme-blocks.js';

// The README as a test: its shell blocks run in order in one bash (set -euo pipefail), as a newcomer pastes them, so
// a variable used before it is set, a failing command or a `curl -f` that gets an error fails it. Blocks marked
// `<!-- readme-test: skip (why) -->` are skipped; `distributed` ones run against the services CI starts.

const root = resolve(import.meta.dirname, '..');
// README_TEST_FILE: another copy, e.g. one broken on purpose to see the test fail.
const blocks = readmeBlocks(readFileSync(process.env.README_TEST_FILE ?? join(root, 'README.md'), 'utf8'));

/** A bash that keeps its variables and functions from one block to the next, like a terminal. */
class Shell {
  private output = '';
  private readonly bash: ChildProcess;
  private exited: Promise<number>;

  constructor(
    private readonly dir: string,
    env: Record<string, string>,
  ) {
    // Its own process group: what the blocks start in the background is stopped with it.
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd: root, env, detached: true });
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-200_000));
    this.bash.stdout!.on('data', keep);
    this.bash.stderr!.on('data', keep);
    this.exited = new Promise((done) => this.bash.once('exit', (code, signal) => done(code ?? (signal ? 128 : 1))));
    this.bash.stdin!.write('set -euo pipefail\n');
  }

  /** Runs a block's text (with the ports of this test's services); resolves once done, rejects with its output. */
  async run(block: ReadmeBlock, text: string, timeoutMs = 100_000): Promise<string> {
    if (this.bash.exitCode !== null || this.bash.signalCode !== null)
      throw new Error(`README.md:${block.line} (${block.heading}) not run: a block before it failed`);
    const file = join(this.dir, `block-${block.line}.sh`);
    writeFileSync(file, text);
    const done = `::readme-test done ${block.line}::`;
    const from = this.output.length;
    // stdin from /dev/null: a command of the block must not read the blocks that follow.
    this.bash.stdin!.write(`source ${file} </dev/null 2>&1\necho '${done}'\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await Promise.race([this.exited, new Promise((r) => setTimeout(r, 100, undefined))]);
      const output = this.output.slice(from);
      if (output.includes(done)) return output.replace(`${done}\n`, '');
      const where = `README.md:${block.line} (${block.heading})`;
      if (status !== undefined) throw new Error(`${where} failed (bash exited with ${String(status)}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`${where} still running after ${timeoutMs} ms:\n${output}`);
    }
  }

  stop(): void {
    try {
      process.kill(-this.bash.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** The block with the README's ports (3000, 3001, 3002, 3012) replaced by this test's. */
const withPorts = (text: string, ports: Record<string, number>) =>
  text.replace(/\b(3000|3001|3002|3012)\b/g, (port) => String(ports[port] ?? port));

/** The test's own environment without what would change how the README's commands behave. */
function baseEnv(extra: Record<string, string>): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'EVENT_STORE', 'READ_DB', 'CACHE', 'BUS', 'AUTH', 'API_KEYS'])
    delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('KAFKA_') || name.startsWith('VITEST')) delete env[name];
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

describe('README, embedded: every block a user pastes runs against a fresh npm start', () => {
  let dir: string;
  const ports: Record<string, number> = {};
  let engine: ServiceProcess;
  let running = true;
  let shell: Shell;
  const made = ['orders.csv', 'paid.csv'].map((file) => join(root, file));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'readme-'));
    for (const port of ['3000', '3001', '3002']) ports[port] = await freePort();
    const env = {
      AUTH: 'keys',
      DATA_DIR: join(dir, 'data'),
      COMMAND_PORT: String(ports['3000']),
      QUERY_PORT: String(ports['3001']),
      PROJECTION_PORT: String(ports['3002']),
      LOG_LEVEL: 'warn',
    };
    // `npm start`, as the README's first block runs it.
    engine = await startService('npm start', 'embedded/main.ts', env, ports['3000']);
    await eventually(async () => engine.output().includes('Press Ctrl+C to stop.') || undefined, { timeoutMs: 60_000 });
    // The CLI's projection commands default to :3002; here, this engine's projection API.
    shell = new Shell(dir, baseEnv({ DATA_DIR: env.DATA_DIR, PROJECTION_URL: `http://127.0.0.1:${ports['3002']}` }));
  });

  afterAll(async () => {
    shell?.stop();
    await engine?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
    for (const file of made) rmSync(file, { force: true });
  });

  it('pastes the export lines npm start prints', async () => {
    const exports = engine
      .output()
      .split('\n')
      .filter((line) => line.startsWith('  export '))
      .join('\n');
    expect(exports).toMatch(/OPERATOR_KEY=/);
    await shell.run({ line: 0, heading: 'the export lines npm start printed', kind: 'run', text: exports }, exports);
  });

  for (const block of blocks.filter((b) => b.kind === 'run' || b.kind === 'engine-stopped')) {
    it(`${block.heading} (README.md:${block.line})`, async () => {
      // The CLI's history commands read PGlite's directory, which one process may open at a time.
      if (block.kind === 'engine-stopped' && running) await engine.kill();
      if (block.kind === 'run' && !running) await engine.restart();
      running = block.kind === 'run';
      await shell.run(block, withPorts(block.text, ports));
    });
  }
});

// The distributed block, on the PostgreSQL, Redis and Kafka CI starts: its services:start finds them running and
// starts nothing, so its services:stop must leave all three running.
const servicesUp =
  serviceUrl('DATABASE_URL') && serviceUrl('REDIS_URL') && serviceUrl('KAFKA_SASL_MECHANISM') ? true : false;

(servicesUp ? describe : describe.skip)('README, distributed: the block without Docker', () => {
  const distributed = blocks.filter((b) => b.kind === 'distributed');
  let dir: string;
  const id = freshName('readme');
  const ports: Record<string, number> = {};
  let shell: Shell;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'readme-distributed-'));
    for (const port of ['3000', '3001', '3002', '3012']) ports[port] = await freePort();
    shell = new Shell(
      dir,
      baseEnv({
        // Its own record of what services:start started: nothing, since everything already runs.
        SERVICES_STATE_DIR: join(dir, 'services'),
        EVENT_STORE_SCHEMA: `${id}_events`,
        READ_MODEL_PREFIX: `${id}_`,
        CACHE_KEY_PREFIX: `${id}:`,
        ...kafkaNamespace(id),
        COMMAND_PORT: String(ports['3000']),
        QUERY_PORT: String(ports['3001']),
        PROJECTION_PORT: String(ports['3002']),
      }),
    );
  });

  afterAll(async () => {
    shell?.stop();
    const sql = pgSql(process.env.DATABASE_URL!);
    await dropDistributedSchemas(sql, { READ_MODEL_PREFIX: `${id}_`, EVENT_STORE_SCHEMA: `${id}_events` });
    await sql.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has one', () => expect(distributed.length).toBeGreaterThan(0));

  for (const block of distributed) {
    it(`${block.heading} (README.md:${block.line})`, async () => {
      await shell.run(block, withPorts(block.text, ports), 240_000);
    }, 300_000);
  }

  it('services:stop left the PostgreSQL, Redis and Kafka it did not start running', () => {
    const answers = (command: string, args: string[]) => spawnSync(command, args, { cwd: root }).status === 0;
    expect({
      postgres: answers('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']),
      redis: answers('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping']),
      kafka: answers('bash', ['scripts/kafka/kafka.sh', 'status']),
    }).toEqual({ postgres: true, redis: true, kafka: true });
  });
});
