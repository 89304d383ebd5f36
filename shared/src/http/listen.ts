import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import { problemType } from './problem.js';

/** Longer than clients (undici: 4 s) and load balancers (commonly 60 s) keep an idle connection. */
const KEEP_ALIVE_MS = 65_000;

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Stops accepting connections and lets the requests in flight finish, for graceMs at most (default 0: cut them
   * at once), then closes every connection.
   */
  close(graceMs?: number): Promise<void>;
}

// libuv accepts one connection per listening descriptor per turn of the event loop, and a turn takes tens of
// milliseconds under load: a burst of new connections then waits seconds in the kernel's queue before a request is
// even read. So a service accepts on 64 descriptors: sockets sharing the port (SO_REUSEPORT: the kernel spreads
// connections over them) where Node has the option (22.12, 23.1), else copies of one socket's descriptor. (With 8,
// 200 connections at once took 1.7 s to answer while each turn took 50 ms; with 32, 0.7 s; with 64, 0.5 s.)
export const ACCEPTORS = 64;
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
export type AcceptorKind = 'reuse-port' | 'copies';
export const ACCEPTOR_KIND: AcceptorKind =
  major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12) ? 'reuse-port' : 'copies';

/** Binds host:port alone (no SO_REUSEPORT) and lets go: fails as a plain listen would when the port is taken. */
const freePort = ({ host, port }: { host: string; port: number }): Promise<void> =>
  new Promise((resolve, reject) => {
    const probe = new NetServer();
    probe.once('error', reject);
    probe.listen({ host, port }, () => probe.close(() => resolve()));
  });

// Run by `node -e`: sends the socket it was sent back n times; each copy arrives as a descriptor of its own (the
// kernel's SCM_RIGHTS). It is sent as a bare handle, which the child never listens on, so it accepts nothing.
const COPIER = `process.once('message', (n, handle) => {
  for (let i = 0; i < n; i++) process.send(i, handle);
  process.once('disconnect', () => handle.close());
});`;
const COPY_TIMEOUT_MS = 10_000;

/** n more descriptors of the listening socket server holds, each listened on by a server that acceptor() makes. */
function copiesOf(server: NetServer, n: number, acceptor: () => NetServer): Promise<NetServer[]> {
  if (n === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    // Without the service's NODE_OPTIONS (a loader, an inspector port): the child needs nothing but node.
    const child = spawn(process.execPath, ['-e', COPIER], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const copies: NetServer[] = [];
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      copies.forEach((copy) => copy.close());
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error('copying the listening socket took too long')), COPY_TIMEOUT_MS);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`the socket copier exited with ${code}`)));
    child.on('message', (_index, handle) => {
      const copy = acceptor();
      copies.push(copy);
      // listen(handle) is documented for a handle; the descriptor is already bound and listening.
      copy.listen(handle as never, () => {
        if (settled || copies.length < n || !copies.every((each) => each.listening)) return;
        settled = true;
        clearTimeout(timer);
        child.disconnect();
        resolve(copies);
      });
    });
    // The server's libuv handle: the one thing child_process sends without the child listening on it.
    child.send(n, (server as unknown as { _handle: never })._handle);
  });
}

// Requests Node's parser refuses before Express sees them are answered as problems too, with the status Node would
// give, rather than with its bare status line.
const PARSER_REFUSALS: Record<string, [status: number, title: string, code: string, detail: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers-too-large', 'headers must fit in 16 KiB'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Content Too Large', 'body-too-large', 'chunk extensions are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'request-timeout', 'the request took too long to arrive'],
};
const MALFORMED: [number, string, string, string] = [400, 'Bad Request', 'malformed-request', 'not HTTP/1.1'];

const unparsable = (error: NodeJS.ErrnoException, socket: Duplex) => {
  if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const [status, title, code, detail] = PARSER_REFUSALS[error.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ type: problemType(code), title, status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
};

export async function listen(
  app: Express,
  options: { host: string; port: number; acceptors?: AcceptorKind },
): Promise<RunningServer> {
  const { host, acceptors = ACCEPTOR_KIND } = options;
  const reusePort = acceptors === 'reuse-port';
  // A fixed port taken by another process is refused as it always was, rather than shared with it.
  if (reusePort && options.port !== 0) await freePort(options);
  const server = createServer(app);
  const idle = new Set<Socket>();
  let closing = false;
  // The client, not the server, ends an idle kept-alive connection: a server that closes it (Node's default after
  // 5 s) races a request the client is sending on it, which then fails with "other side closed".
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  // A kept-alive connection between requests is idle; a new one is not until it has had its first answer, since
  // its request may still be on the way.
  server.on('connection', (socket: Socket) => socket.once('close', () => idle.delete(socket)));
  server.on('clientError', unparsable);
  server.on('request', (req, res) => {
    idle.delete(req.socket);
    // While stopping, an answer also closes its connection, so a kept-alive client sends nothing more here.
    if (closing) res.shouldKeepAlive = false;
    res.once('close', () => {
      if (req.socket.destroyed) return;
      idle.add(req.socket);
      if (closing) req.socket.end();
    });
  });
  let extra: NetServer[] = [];
  // net's close, not http's: http's also drops every connection whose first request has not been read yet. Its
  // callback comes once every connection the descriptor accepted has ended.
  const closeAll = (): Promise<unknown> =>
    Promise.all(
      [server, ...extra]
        .filter((each) => each.listening)
        .map(
          (each) =>
            new Promise<void>((done, fail) =>
              NetServer.prototype.close.call(each, (error) => (error ? fail(error) : done())),
            ),
        ),
    );
  const bind = (each: NetServer, port: number) =>
    new Promise<void>((resolve, reject) => {
      each.once('error', reject);
      each.listen({ host, port, ...(reusePort ? { reusePort: true } : {}) }, resolve);
    });
  // What the other descriptors accept is the HTTP server's to serve.
  const acceptor = () => new NetServer((socket) => server.emit('connection', socket));
  let port: number;
  try {
    // The first one picks the port when asked for any (0); the others join it.
    await bind(server, options.port);
    port = (server.address() as AddressInfo).port;
    if (reusePort) {
      extra = Array.from({ length: ACCEPTORS - 1 }, acceptor);
      await Promise.all(extra.map((each) => bind(each, port)));
    } else {
      // The copies only make a burst of connections quicker to accept: without them (no process could be started)
      // the service still serves on its one descriptor, and says so.
      extra = await copiesOf(server, ACCEPTORS - 1, acceptor).catch((error: unknown) => {
        process.emitWarning(`listening on one descriptor of port ${port}: ${String(error)}`, 'ListenWarning');
        return [];
      });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    url: `http://${host}:${port}`,
    port,
    async close(graceMs = 0) {
      closing = true;
      for (const socket of idle) socket.destroy();
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      try {
        await closeAll();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
