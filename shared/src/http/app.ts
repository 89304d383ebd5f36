import express, { type Express, type RequestHandler } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/logger.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { HttpProblem } from './problem.js';

export const BODY_LIMIT = '1mb';

const parseJson = express.json({ limit: BODY_LIMIT, strict: true });

// A body that is not JSON would otherwise reach validation as `undefined`: say what is wrong instead.
const jsonBody: RequestHandler = (req, res, next) => {
  const { 'content-length': length, 'transfer-encoding': encoding } = req.headers;
  // A request without a body (every GET) skips the parser altogether: a query service answers thousands a second.
  if (length === undefined && encoding === undefined) {
    next();
    return;
  }
  if ((Number(length) > 0 || encoding !== undefined) && !req.is('application/json')) {
    next(new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', 'send the body as application/json'));
    return;
  }
  parseJson(req, res, next);
};

export interface AppOptions {
  /** More fields for the GET /health answer, read at each request (e.g. cache counters). */
  health?: () => Record<string, unknown>;
}

/** An Express app with the project's JSON parsing, health route and problem answers. Add routes, then call finishApp. */
export function createApp(service: string, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(jsonBody);
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service, ...options.health?.() });
  });
  return app;
}

/** Adds the 404 and error handlers: call after the last route. */
export function finishApp(app: Express, logger: Logger): Express {
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Stops accepting connections and lets the requests in flight finish, for graceMs at most (default 0: cut them
   * at once), then closes every connection.
   */
  close(graceMs?: number): Promise<void>;
}

export function listen(app: Express, options: { host: string; port: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(options.port, options.host);
    let closing = false;
    let inFlight = 0;
    let drained = () => {};
    server.on('request', (_req, res) => {
      inFlight++;
      // While stopping, an answer also closes its connection, so a kept-alive client sends nothing more here.
      if (closing) res.shouldKeepAlive = false;
      res.once('close', () => {
        inFlight--;
        if (!closing) return;
        // The answer's connection turns idle only after this event; an idle connection is closed rather than kept.
        setImmediate(() => server.closeIdleConnections());
        if (inFlight === 0) drained();
      });
    });
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${options.host}:${port}`,
        port,
        close: (graceMs = 0) =>
          new Promise<void>((done, fail) => {
            closing = true;
            server.close((error) => (error ? fail(error) : done()));
            const cut = setTimeout(() => server.closeAllConnections(), inFlight === 0 ? 0 : graceMs);
            drained = () => {
              clearTimeout(cut);
              server.closeAllConnections();
            };
          }),
      });
    });
  });
}
