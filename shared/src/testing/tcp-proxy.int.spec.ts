import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, beforeEach, expect, it, describe } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

// The proxy the outage tests rely on, in front of a local echo server: hold must keep connections open and delay
// what is sent (not refuse or drop it), and cut must drop connections and refuse new ones for a while.

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
  Promise.race([once(socket, 'data').then(([chunk]) => String(chunk)), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), withinMs))]);

describe('startTcpProxy', () => {
  it('forwards, holds what is sent while the connection stays open, and delivers it on resume', async () => {
    const socket = await connect();
    socket.write('one');
    expect(await nextData(socket, 1_000)).toBe('one');

    proxy.hold();
    socket.write('two');
    expect(await nextData(socket, 300)).toBeUndefined();
    expect(socket.destroyed).toBe(false);
    expect(proxy.connections()).toBe(1);

    proxy.resume();
    expect(await nextData(socket, 1_000)).toBe('two');
    socket.destroy();
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
