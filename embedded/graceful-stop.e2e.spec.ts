import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, sendOnNewConnection, terminate, type InFlight } from '../e2e/in-flight.js';

// `npm start` as a real process, stopped with SIGTERM while requests are in flight: commands, and reads that wait
// for a position the engine will never reach (each answered after READ_YOUR_WRITES_TIMEOUT_MS). It stops accepting
// at once, answers every request it holds, and exits 0 within SHUTDOWN_GRACE_MS.

const GRACE_MS = 8_000;
const WAIT_MS = 2_500;
const root = resolve(import.meta.dirname, '..');

let dataDir: string;
let engine: ChildProcess;
let urls: { command: string; query: string };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'order-engine-stop-'));
  const env = {
    ...process.env,
    AUTH: 'none',
    DATA_DIR: dataDir,
    COMMAND_PORT: '0',
    QUERY_PORT: '0',
    PROJECTION_PORT: '0',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    READ_YOUR_WRITES_TIMEOUT_MS: String(WAIT_MS),
  };
  engine = spawn(process.execPath, ['--import', 'tsx', 'embedded/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  engine.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  urls = await new Promise((done, fail) => {
    engine.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const command = /command API\s+(\S+)/.exec(out)?.[1];
      const query = /query API\s+(\S+)/.exec(out)?.[1];
      if (command && query) done({ command, query });
    });
    engine.once('exit', (code) => fail(new Error(`npm start exited with ${code}:\n${out}`)));
  });
});

afterAll(async () => {
  if (engine?.exitCode === null && engine.signalCode === null) engine.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start, on SIGTERM', () => {
  it('stops accepting, answers every request in flight and exits 0 within the grace', async () => {
    const post = (path: string, body: unknown) => send(`${urls.command}${path}`, { method: 'POST', body });
    expect(
      (await post('/products', { sku: 'lamp', name: 'Lamp', category: 'stop', priceCents: 100, currency: 'EUR' }))
        .outcome,
    ).toBe(201);
    expect((await post('/products/lamp/restock', { quantity: 10_000 })).outcome).toBe(200);

    // Connections the engine has accepted (a busy Node takes about one new connection per turn of its event loop;
    // closing the listener resets those still queued in the kernel, requests never received).
    await Promise.all(Array.from({ length: 105 }, () => send(`${urls.command}/health`)));
    await Promise.all(Array.from({ length: 5 }, () => send(`${urls.query}/health`)));
    const waiting = Array.from({ length: 5 }, (_, i) =>
      send(`${urls.query}/orders/never-${i}`, { headers: { 'x-min-position': '999999999' } }),
    );
    const orders = Array.from({ length: 100 }, (_, i) =>
      post('/orders', { customerId: `c-${i}`, lines: [{ sku: 'lamp', quantity: 1 }] }),
    );
    // Once one order is answered, the engine has read every request: they all arrived on open connections at once.
    await Promise.race(orders);
    const exited = terminate(engine);
    await new Promise((r) => setTimeout(r, 500));
    const afterSignal = await sendOnNewConnection(`${urls.command}/health`);
    const answers: InFlight[] = await Promise.all([...waiting, ...orders]);
    const { code, signal, ms, signalledAt } = await exited;

    expect(afterSignal.outcome, 'a new connection after SIGTERM').toBe('ECONNREFUSED');
    expect(answers.filter((a) => typeof a.outcome !== 'number')).toEqual([]);
    expect(new Set(answers.slice(0, 5).map((a) => a.outcome))).toEqual(new Set([404]));
    expect(answers.slice(5).filter((a) => a.outcome !== 202)).toEqual([]);
    expect(answers.filter((a) => a.at > signalledAt).length, 'requests still in flight at SIGTERM').toBeGreaterThan(0);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(GRACE_MS);
  });
});
