import { Agent, request } from 'node:http';

// A lean keep-alive HTTP client for the load generator: node:http on a pooled agent, so the client's own cost per
// request stays small beside the server's.

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** performance.now() when the request got its socket: the time before it is the client's own (pool, event loop). */
  sentAt: number;
}

export interface HttpClient {
  get(url: string, headers?: Record<string, string>): Promise<Answer>;
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<Answer>;
  close(): void;
}

export function httpClient({ maxSockets = 512, timeoutMs = 30_000 } = {}): HttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets });
  const send = (url: string, method: string, body?: unknown, extra: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers =
        payload === undefined
          ? extra
          : { ...extra, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
      let sentAt = Number.NaN;
      const req = request(url, { method, agent, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
            sentAt,
          }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed as idle just as it was reused: the request never reached the server,
        // so it is sent again, as Node's documentation advises (and POSTs carry an Idempotency-Key anyway).
        if (error.code === 'ECONNRESET' && req.reusedSocket) send(url, method, body, extra).then(resolve, reject);
        else reject(error);
      });
      req.once('socket', () => (sentAt = performance.now()));
      req.end(payload);
    });
  return {
    get: (url, headers) => send(url, 'GET', undefined, headers),
    post: (url, body, headers) => send(url, 'POST', body, headers),
    close: () => agent.destroy(),
  };
}
