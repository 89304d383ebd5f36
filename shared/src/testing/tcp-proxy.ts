import { createConnection, createServer, type Server, type Socket } from 'node:net';

// A TCP proxy a test controls, in front of a real server (PostgreSQL, Redis), to play that server's faults without
// touching the server, which other tests share:
// - hold: a server that stopped answering. The client's sockets stay open, and nothing it sends gets an answer: not
//   refused, not reset, just silent for good, as after a network partition (the client must time out and reconnect).
//   The server side is closed at once, so the shared server rolls back whatever those connections had open: an open
//   transaction would otherwise hold back every event-store reader on that server for as long as the hold lasts.
// - cut: a restart. Every connection is reset and new ones are refused for a while.

export interface TcpProxy {
  /** Where clients connect instead of the server: 127.0.0.1 and a free port. */
  readonly host: string;
  readonly port: number;
  /** Replaces the server's host:port in a URL with the proxy's. */
  url(serverUrl: string): string;
  /** The server stops answering: open connections go silent, and new ones are accepted but silent too. */
  hold(): void;
  /** New connections reach the server again; those that went silent stay silent. */
  resume(): void;
  /** Resets every connection, then refuses new ones for refuseMs (a restart), then forwards again. */
  cut(refuseMs: number): Promise<void>;
  /** Connections that reach the server now. */
  connections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const silent = new Set<Socket>();
  let held = false;

  /** The client keeps its socket; nothing it sends goes anywhere, and nothing comes back. */
  const silence = (client: Socket) => {
    client.removeAllListeners('data');
    client.pause();
    silent.add(client);
    client.on('error', () => silent.delete(client));
    client.on('close', () => silent.delete(client));
  };
  const drop = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.server.destroy();
  };
  const hang = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.unpipe();
    pair.server.unpipe();
    pair.client.removeAllListeners('close');
    pair.server.removeAllListeners('close');
    pair.server.removeAllListeners('error');
    pair.server.on('error', () => undefined);
    pair.server.destroy();
    silence(pair.client);
  };

  const server: Server = createServer((client) => {
    if (held) return silence(client);
    const upstream = createConnection(target);
    const pair: Pair = { client, server: upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const socket of [client, upstream]) {
      socket.on('error', () => drop(pair));
      socket.on('close', () => drop(pair));
    }
  });
  const listenOn = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listenOn(0);
  const { port } = server.address() as { port: number };

  const resetAll = () => {
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      pair.client.resetAndDestroy();
      pair.server.destroy();
    }
  };

  return {
    host: '127.0.0.1',
    port,
    url: (serverUrl) => {
      const url = new URL(serverUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    hold() {
      held = true;
      for (const pair of [...pairs]) hang(pair);
    },
    resume() {
      held = false;
    },
    async cut(refuseMs) {
      held = false;
      // Not listening: connection attempts are refused, as by a server that is restarting.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      resetAll();
      await closed;
      await new Promise((resolve) => setTimeout(resolve, refuseMs));
      await listenOn(port);
    },
    connections: () => pairs.size,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      resetAll();
      for (const socket of silent) socket.destroy();
      await closed;
    },
  };
}
