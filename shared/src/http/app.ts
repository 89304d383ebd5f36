import express, { type Express, type RequestHandler } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/logger.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { HttpProblem } from './problem.js';

export const BODY_LIMIT = '1mb';

// A body that is not JSON would otherwise reach validation as `undefined`: say what is wrong instead.
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    next(new HttpProblem(415, 'unsupported-media-type', 'Unsupported Media Type', 'send the body as application/json'));
    return;
  }
  next();
};

/** An Express app with the project's JSON parsing, health route and problem answers. Add routes, then call finishApp. */
export function createApp(service: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(requireJsonBody);
  app.use(express.json({ limit: BODY_LIMIT, strict: true }));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service });
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
  close(): Promise<void>;
}

export function listen(app: Express, options: { host: string; port: number }): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(options.port, options.host);
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${options.host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
