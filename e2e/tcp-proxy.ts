import { connect, createServer, type Server, type Socket } from 'node:net';

// A TCP proxy in front of a server the tests share, so a test can fail the connections of its own services only:
// hang (a client's sockets stay open and no byte comes back: a server that stopped answering) or cut (every connection
// is destroyed and new ones are refused: what a restart looks like to a client), then forward again.
//
// A hung connection stays silent for good, as a half-open one does after a partition: the client must time it out and
// connect again. Its server side is closed at once, so the shared server rolls back whatever that connection had
// open and no lock or old snapshot of it holds back anyone else.

export type ProxyMode = 'forward' | 'hang' | 'cut';

export interface TcpProxy {
  port: number;
  mode(): ProxyMode;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

interface Connection {
  client: Socket;
  upstream?: Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  const open = new Set<Connection>();
  const silent = new Set<Socket>();

  const drop = (connection: Connection) => {
    connection.client.destroy();
    connection.upstream?.destroy();
    open.delete(connection);
  };
  /** The client keeps its socket; nothing it sends goes anywhere, and nothing comes back. */
  const silence = (client: Socket) => {
    client.removeAllListeners('data');
    client.pause();
    silent.add(client);
    client.on('error', () => silent.delete(client));
    client.on('close', () => silent.delete(client));
  };
  const hang = (connection: Connection) => {
    open.delete(connection);
    connection.client.unpipe();
    connection.upstream?.unpipe();
    connection.upstream?.removeAllListeners('close');
    connection.upstream?.removeAllListeners('error');
    connection.upstream?.on('error', () => undefined);
    connection.upstream?.destroy();
    silence(connection.client);
  };

  const server: Server = createServer((client) => {
    if (mode === 'cut') return client.destroy();
    if (mode === 'hang') return silence(client);
    const upstream = connect(target.port, target.host);
    const connection: Connection = { client, upstream };
    open.add(connection);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const socket of [client, upstream]) {
      socket.on('error', () => drop(connection));
      socket.on('close', () => drop(connection));
    }
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
      if (mode === 'cut') for (const connection of [...open]) drop(connection);
      if (mode === 'hang') for (const connection of [...open]) hang(connection);
    },
    async close() {
      for (const connection of [...open]) drop(connection);
      for (const socket of silent) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
