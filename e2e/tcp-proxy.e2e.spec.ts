import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

// The fault suite's proxy against an echo server: what each mode does to the connections open and to new ones.

let echo: Server;
let proxy: TcpProxy;
const upstreams = new Set<Socket>();

beforeAll(async () => {
  echo = createServer((socket) => {
    upstreams.add(socket);
    socket.on('close', () => upstreams.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((done) => echo.listen(0, '127.0.0.1', done));
  proxy = await startTcpProxy({ host: '127.0.0.1', port: (echo.address() as { port: number }).port });
});

afterAll(async () => {
  await proxy.close();
  await new Promise((done) => echo.close(done));
});

/** A client socket and what it received and whether it was closed on. */
async function client() {
  const socket = connect(proxy.port, '127.0.0.1');
  const seen = { data: '', closed: false };
  socket.on('data', (chunk) => (seen.data += chunk.toString()));
  socket.on('close', () => (seen.closed = true));
  socket.on('error', () => undefined);
  await new Promise((done) => socket.once('connect', done));
  return { socket, seen };
}

it('forwards, goes silent on hang (closing the server side), refuses on cut, and keeps hung connections silent after', async () => {
  const before = await client();
  before.socket.write('one');
  await expect.poll(() => before.seen.data).toBe('one');

  proxy.setMode('hang');
  await expect.poll(() => upstreams.size).toBe(0);
  const during = await client();
  before.socket.write('two');
  during.socket.write('three');
  await sleep(300);
  expect([before.seen, during.seen]).toEqual([
    { data: 'one', closed: false },
    { data: '', closed: false },
  ]);

  proxy.setMode('forward');
  const after = await client();
  after.socket.write('four');
  before.socket.write('five');
  await expect.poll(() => after.seen.data).toBe('four');
  await sleep(300);
  expect(before.seen).toEqual({ data: 'one', closed: false });

  proxy.setMode('cut');
  await expect.poll(() => after.seen.closed).toBe(true);
  const refused = connect(proxy.port, '127.0.0.1');
  refused.on('error', () => undefined);
  await new Promise((done) => refused.once('close', done));

  proxy.setMode('forward');
  const again = await client();
  again.socket.write('six');
  await expect.poll(() => again.seen.data).toBe('six');
  for (const c of [before, during, again]) c.socket.destroy();
});
