import { spawn } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCEPTOR_KIND, ACCEPTORS, listen, type AcceptorKind, type RunningServer } from './listen.js';

// A service accepts new connections on several descriptors of its port (sockets sharing it, or copies of one
// socket's descriptor), so that a burst of them is accepted several per event-loop turn; a port another process
// holds is still refused.

/** This process's descriptors of sockets listening on the port, from the kernel's tables (undefined: no /proc). */
async function listeningDescriptors(port: number): Promise<number | undefined> {
  const table = await readFile('/proc/net/tcp', 'utf8').catch(() => undefined);
  if (table === undefined) return undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  // Each row: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode; state 0A is LISTEN.
  const inodes = new Set(
    table
      .split('\n')
      .slice(1)
      .map((row) => row.trim().split(/\s+/))
      .filter(([, local, , state]) => local?.endsWith(`:${hexPort}`) && state === '0A')
      .map((columns) => `socket:[${columns[9]}]`),
  );
  const links = await Promise.all(
    (await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
  );
  return links.filter((link) => inodes.has(link)).length;
}

/** Opens `count` connections at once from another process; the milliseconds until each had its answer. */
function burst(port: number, count: number): Promise<number[]> {
  const client = `
    const net = require('node:net');
    const started = Date.now();
    const took = [];
    for (let i = 0; i < ${count}; i++) {
      const socket = net.connect(${port}, '127.0.0.1', () =>
        socket.write('GET / HTTP/1.1\\r\\nHost: test\\r\\nConnection: close\\r\\n\\r\\n'));
      socket.once('data', (data) => {
        took.push(String(data).startsWith('HTTP/1.1 200') ? Date.now() - started : -1);
        socket.destroy();
        if (took.length === ${count}) console.log(JSON.stringify(took));
      });
    }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', client], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', () => resolve(JSON.parse(output) as number[]));
  });
}

/** Keeps the event loop's turns `turnMs` long (as a service under load does) until stopped. */
function busyTurns(turnMs: number): () => void {
  let running = true;
  const turn = () => {
    const until = Date.now() + turnMs;
    while (Date.now() < until);
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  return () => (running = false);
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

/** Sends raw bytes on a new connection; what came back before the server closed it. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.once('error', reject);
    socket.once('close', () => resolve(answer));
  });
}

const kinds: AcceptorKind[] = ACCEPTOR_KIND === 'reuse-port' ? ['reuse-port', 'copies'] : ['copies'];

describe('requests the HTTP parser refuses', () => {
  it.each([
    ['headers past 16 KiB', `GET /?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: test\r\n\r\n`, 431, 'headers-too-large'],
    ['a malformed request line', 'GET\r\n\r\n', 400, 'malformed-request'],
    ['not HTTP at all', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\r\n\r\n', 400, 'malformed-request'],
  ])('answers %s with a problem', async (_what, bytes, status, code) => {
    running = await listen(app, { host: '127.0.0.1', port: 0 });
    const answer = await raw(running.port, bytes);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(body)).toMatchObject({ status, type: `/problems/${code}` });
  });
});

describe('listen with copies, where no process can be started', () => {
  it('serves on its one descriptor and warns', async () => {
    const execPath = process.execPath;
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    process.execPath = '/nonexistent/node';
    try {
      running = await listen(app, { host: '127.0.0.1', port: 0, acceptors: 'copies' });
    } finally {
      process.execPath = execPath;
    }
    try {
      const counted = await listeningDescriptors(running.port);
      if (counted !== undefined) expect(counted).toBe(1);
      expect((await fetch(running.url)).status).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map(({ name, message }) => ({ name, message }))).toEqual([
        { name: 'ListenWarning', message: expect.stringMatching(/^listening on one descriptor of port \d+: .*ENOENT/) },
      ]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe.each(kinds)('listen with %s', (acceptors) => {
  it(`accepts on ${ACCEPTORS} descriptors of one port, and close leaves none`, async () => {
    running = await listen(app, { host: '127.0.0.1', port: 0, acceptors });
    const counted = await listeningDescriptors(running.port);
    if (counted !== undefined) expect(counted).toBe(ACCEPTORS);
    const answers = await burst(running.port, 40);
    expect(answers.filter((took) => took < 0)).toEqual([]);
    await running.close();
    expect(await listeningDescriptors(running.port)).not.toBeGreaterThan(0);
    running = undefined;
  });

  it('answers 400 new connections at once within 2.5 s while each turn of the loop takes 50 ms', async () => {
    running = await listen(app, { host: '127.0.0.1', port: 0, acceptors });
    const stop = busyTurns(50);
    try {
      // A descriptor accepts one connection per turn: eight could not take 400 in fewer than 50 turns (2.5 s).
      const answers = await burst(running.port, 400);
      expect(answers.filter((took) => took < 0)).toEqual([]);
      expect(Math.max(...answers)).toBeLessThan(2_500);
    } finally {
      stop();
    }
  });

  it('refuses a port another server holds instead of sharing it', async () => {
    other = createServer();
    await new Promise<void>((done) => other!.listen({ host: '127.0.0.1', port: 0 }, done));
    const { port } = other.address() as { port: number };
    await expect(listen(app, { host: '127.0.0.1', port, acceptors })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('refuses a port another service holds with the same sockets', async () => {
    running = await listen(app, { host: '127.0.0.1', port: 0, acceptors });
    await expect(listen(app, { host: '127.0.0.1', port: running.port, acceptors })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
