import { connect, createServer, type Server, type Socket } from 'node:net';

// A TCP proxy in front of a server the tests share, so a test can fail the connections of its own services only:
// hang (sockets stay open and no byte moves: a server that stopped answering) or cut (every connection is destroyed
// and new ones are refused: what a restart looks like to a client), then forward again. Connections that hung stay
// hung for good, as half-open connections do after a partition: a client must time them out and connect again.

export type ProxyMode = 'forward' | 'hang' | 'cut';

export interface TcpProxy {
  port: number;
  mode(): ProxyMode;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  stuck: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  const pairs = new Set<Pair>();

  const drop = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream.destroy();
    pairs.delete(pair);
  };
  // Paused sockets read nothing, so while hanging the bytes wait in the kernel's buffers and nobody gets an answer.
  const flow = (pair: Pair) => {
    if (mode === 'hang') pair.stuck = true;
    for (const socket of [pair.client, pair.upstream]) {
      if (pair.stuck) socket.pause();
      else socket.resume();
    }
  };

  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, stuck: false };
    pairs.add(pair);
    // By hand rather than pipe(): pipe() resumes a source on its own, which would undo a hang.
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    for (const socket of [client, upstream]) {
      socket.on('error', () => drop(pair));
      socket.on('close', () => drop(pair));
    }
    flow(pair);
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });

  return {
    port: (server.address() as { port: number }).port,
    mode: () => mode,
    setMode(next) {
      mode = next;
      if (mode === 'cut') for (const pair of [...pairs]) drop(pair);
      else for (const pair of pairs) flow(pair);
    },
    async close() {
      for (const pair of [...pairs]) drop(pair);
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
