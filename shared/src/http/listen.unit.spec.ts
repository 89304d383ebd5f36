import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { LISTENING_SOCKETS, listen, type RunningServer } from './app.js';

// The listening sockets a service opens: several on one port where Node can share it (SO_REUSEPORT), so that new
// connections are accepted several per event-loop turn; a port another process holds is still refused.

/** Sockets listening on this port, from the kernel's table (undefined where there is no /proc). */
async function listeningOn(port: number): Promise<number | undefined> {
  const table = await readFile('/proc/net/tcp', 'utf8').catch(() => undefined);
  if (table === undefined) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  // Each row: sl local_address rem_address st ...; state 0A is LISTEN.
  return table
    .split('\n')
    .slice(1)
    .filter((row) => {
      const [, local, , state] = row.trim().split(/\s+/);
      return local?.endsWith(`:${hexPort}`) && state === '0A';
    }).length;
}

const app = express().get('/', (_req, res) => void res.json({ ok: true }));
let running: RunningServer | undefined;
let other: Server | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  await new Promise((done) => (other ? other.close(done) : done(undefined)));
  other = undefined;
});

describe('listen', () => {
  it('opens its listening sockets on one port (eight from Node 22.12) and answers on each connection', async () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    expect(LISTENING_SOCKETS).toBe(
      major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12) ? 8 : 1,
    );
    running = await listen(app, { host: '127.0.0.1', port: 0 });
    const counted = await listeningOn(running.port);
    if (counted !== undefined) expect(counted).toBe(LISTENING_SOCKETS);
    // New connections each (no keep-alive), so the kernel spreads them over the sockets.
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => fetch(running!.url, { headers: { connection: 'close' } }).then((r) => r.status)),
    );
    expect(answers).toEqual(answers.map(() => 200));
    await running.close();
    expect(await listeningOn(running.port)).not.toBeGreaterThan(0);
    running = undefined;
  });

  it('refuses a port another server holds instead of sharing it', async () => {
    other = createServer();
    await new Promise<void>((done) => other!.listen({ host: '127.0.0.1', port: 0 }, done));
    const { port } = other.address() as { port: number };
    await expect(listen(app, { host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('refuses a port another service holds with the same sockets', async () => {
    running = await listen(app, { host: '127.0.0.1', port: 0 });
    await expect(listen(app, { host: '127.0.0.1', port: running.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
