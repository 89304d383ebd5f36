import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';

// Requests sent to a service that is being stopped: each one's outcome (an answer, or the socket error a client gets
// when its connection is cut), and when it came, to tell the answers given after the signal from those before.

export interface InFlight {
  /** An HTTP status, or the socket error's code. */
  outcome: number | string;
  at: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

export function send(
  url: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<InFlight> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const sized =
    payload === undefined
      ? headers
      : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
  return new Promise((resolve) => {
    const req = request(url, { method, headers: sized, agent }, (res) => {
      res.resume();
      res.once('end', () => resolve({ outcome: res.statusCode ?? 0, at: performance.now() }));
      res.once('error', (error: NodeJS.ErrnoException) =>
        resolve({ outcome: error.code ?? error.message, at: performance.now() }),
      );
    });
    req.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ outcome: error.code ?? error.message, at: performance.now() }),
    );
    req.end(payload);
  });
}

/** A new connection's outcome, never a kept-alive one: whether the service still accepts. */
export function sendOnNewConnection(url: string): Promise<InFlight> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve({ outcome: res.statusCode ?? 0, at: performance.now() }));
    });
    req.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ outcome: error.code ?? error.message, at: performance.now() }),
    );
    req.end();
  });
}

/** Sends SIGTERM and resolves with the exit code and the ms until the exit. */
export function terminate(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; signalledAt: number }> {
  const signalledAt = performance.now();
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, ms: performance.now() - signalledAt, signalledAt }));
    child.kill('SIGTERM');
  });
}
