import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, beforeEach, expect, it, describe } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

// The proxy the outage tests rely on, in front of a local echo server: hold must keep client connections open and
// silent (not refuse or reset them) while closing the server side, and cut must reset them and refuse new ones a while.

let echo: Server;
let proxy: TcpProxy;

beforeEach(async () => {
  echo = createServer((socket) => socket.on('error', () => {}).pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  proxy = await startTcpProxy({ host: '127.0.0.1', port: (echo.address() as { port: number }).port });
});
afterEach(async () => {
  await proxy.close();
  echo.close();
});

async function connect(): Promise<Socket> {
  const socket = createConnection({ host: proxy.host, port: proxy.port });
  await once(socket, 'connect');
  return socket;
}

const nextData = (socket: Socket, withinMs: number) =>
  Promise.race([
    once(socket, 'data').then(([chunk]) => String(chunk)),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), withinMs)),
  ]);

describe('startTcpProxy', () => {
  it('forwards; on hold goes silent without refusing, closing the server side; on resume reaches the server again', async () => {
    const upstreams = () => new Promise<number>((resolve) => echo.getConnections((_error, count) => resolve(count)));
    const socket = await connect();
    socket.write('one');
    expect(await nextData(socket, 1_000)).toBe('one');

    proxy.hold();
    // The server's side is gone (so it rolls back what that connection had open); the client's stays open and silent.
    await expect.poll(upstreams).toBe(0);
    const during = await connect();
    socket.write('two');
    during.write('three');
    expect(await nextData(socket, 300)).toBeUndefined();
    expect(await nextData(during, 1)).toBeUndefined();
    expect([socket.destroyed, during.destroyed, proxy.connections()]).toEqual([false, false, 0]);

    proxy.resume();
    const after = await connect();
    after.write('four');
    expect(await nextData(after, 1_000)).toBe('four');
    // What went silent stays silent: its client must time it out, as after a partition.
    expect(await nextData(socket, 300)).toBeUndefined();
    for (const client of [socket, during, after]) client.destroy();
  });

  it('drops every connection on a cut and refuses new ones until the restart is over', async () => {
    const socket = await connect();
    const reset = new Promise<NodeJS.ErrnoException>((resolve) => socket.once('error', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const cut = proxy.cut(500);
    expect((await reset).code).toBe('ECONNRESET');
    await closed;
    const refused = createConnection({ host: proxy.host, port: proxy.port });
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    await cut;

    const again = await connect();
    again.write('back');
    expect(await nextData(again, 1_000)).toBe('back');
    again.destroy();
  });
});
