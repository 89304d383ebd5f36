import { createConnection, createServer, type Server, type Socket } from 'node:net';

// A TCP proxy a test controls, in front of a real server (PostgreSQL, Redis), to play its faults without touching the
// server itself, which other tests share: a server that stops answering (hold: the connections stay open and what is
// sent waits, as with a frozen process or a dropped route, rather than being refused) and a restart (cut: every
// connection is dropped and new ones are refused for a while).

export interface TcpProxy {
  /** Where clients connect instead of the server: 127.0.0.1 and a free port. */
  readonly host: string;
  readonly port: number;
  /** Replaces the server's host:port in a URL with the proxy's. */
  url(serverUrl: string): string;
  /** Stops forwarding in both directions; connections stay open and what is sent waits for resume(). */
  hold(): void;
  /** Forwards what waited, and everything from then on. */
  resume(): void;
  /** Drops every connection, then refuses new ones for refuseMs (a restart), then forwards again. */
  cut(refuseMs: number): Promise<void>;
  /** Connections open now (client side). */
  connections(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  /** What arrived while held, per direction, in order. */
  toServer: Buffer[];
  toClient: Buffer[];
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let held = false;

  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    const pair: Pair = { client, server: upstream, toServer: [], toClient: [] };
    pairs.add(pair);
    const forward = (to: Socket, queue: Buffer[]) => (chunk: Buffer) => {
      if (held) queue.push(chunk);
      else to.write(chunk);
    };
    client.on('data', forward(upstream, pair.toServer));
    upstream.on('data', forward(client, pair.toClient));
    // A side that closes while held closes the other once what waited has gone through (see resume).
    const closeOther = (other: Socket) => () => {
      if (!held) other.end();
    };
    client.on('end', closeOther(upstream));
    upstream.on('end', closeOther(client));
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', () => {
      if (!held) drop();
    });
    upstream.on('close', () => {
      if (!held) drop();
    });
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

  const dropAll = () => {
    for (const pair of pairs) {
      pair.client.resetAndDestroy();
      pair.server.destroy();
    }
    pairs.clear();
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
    },
    resume() {
      held = false;
      for (const pair of [...pairs]) {
        for (const chunk of pair.toServer.splice(0)) if (!pair.server.destroyed) pair.server.write(chunk);
        for (const chunk of pair.toClient.splice(0)) if (!pair.client.destroyed) pair.client.write(chunk);
        // A side that went away while held: the other learns of it now.
        if (pair.client.readableEnded || pair.client.destroyed) pair.server.end();
        if (pair.server.readableEnded || pair.server.destroyed) pair.client.end();
      }
    },
    async cut(refuseMs) {
      held = false;
      // Not listening: connection attempts are refused, as by a server that is restarting.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      dropAll();
      await closed;
      await new Promise((resolve) => setTimeout(resolve, refuseMs));
      await listenOn(port);
    },
    connections: () => pairs.size,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      dropAll();
      await closed;
    },
  };
}
