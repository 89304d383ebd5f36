import express, { type Express, type RequestHandler } from 'express';
import { createServer, type Server } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { AuditLog } from '../audit/audit-log.js';
import { accessControl, identityOf, type AccessOptions } from '../auth/access.js';
import type { Logger } from '../logging/logger.js';
import { metricsRoute, type ServiceMetrics } from '../metrics/service-metrics.js';
import { accessLog } from './access-log.js';
import type { OpenApiDocument } from './openapi/api-description.js';
import { apiDocsRoutes } from './openapi/api-docs-routes.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { HttpProblem } from './problem.js';
import { readyRoute, type ReadinessChecks } from './readiness.js';
import { requestSpans } from './request-span.js';

export const BODY_LIMIT = '1mb';
/** Longer than clients (undici: 4 s) and load balancers (commonly 60 s) keep an idle connection. */
const KEEP_ALIVE_MS = 65_000;

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
  /** Who may call what (the policy table); NO_AUTH only where nobody but this machine can connect. */
  access: AccessOptions;
  /** More fields for the GET /health answer, read at each request (e.g. cache counters). */
  health?: () => Record<string, unknown>;
  /** What GET /ready asks, by the name it reports (database, cache, Kafka membership, ...); none: always ready. */
  ready?: ReadinessChecks;
  /** How long each readiness check may take before it counts as failing (default 2 s). */
  readyTimeoutMs?: number;
  /** Where each answered request is logged (at info); none: no access log. */
  logger?: Logger;
  /** The service's Prometheus registry, served at GET /metrics and told every answered request; none: no /metrics. */
  metrics?: ServiceMetrics;
  /** Where refusals and operator actions are recorded; none: not recorded (tests about something else). */
  audit?: AuditLog;
  /** Runs before the body is read: a request refused there (load shedding) costs no parsing. */
  admission?: RequestHandler;
  /** The API's description, served at GET /openapi.json and rendered at GET /docs; none: neither (tests). */
  api?: OpenApiDocument;
}

/**
 * An Express app with the project's JSON parsing, health route and problem answers. Add routes, then call finishApp.
 */
export function createApp(service: string, options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // The request's span before all (a no-op with tracing off), so that refusals are traced too; then ids and the access
  // log, so that refused requests are logged and answered with their ids too.
  app.use(requestSpans);
  app.use(accessLog(options));
  // Then access: a refused caller costs nothing else, not even a place in the admission queue.
  app.use(accessControl(options.access, options.audit && { log: options.audit, service }));
  if (options.admission) app.use(options.admission);
  app.use(jsonBody);
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service, ...options.health?.() });
  });
  app.get('/identity', (_req, res) => {
    const { name, role, customerId } = identityOf(res);
    res.set('Cache-Control', 'no-store').json({ name, role, ...(customerId === undefined ? {} : { customerId }) });
  });
  app.get('/ready', readyRoute(service, options.ready ?? {}, options.readyTimeoutMs ?? 2_000));
  if (options.metrics) app.get('/metrics', metricsRoute(options.metrics.registry));
  if (options.api) app.use(apiDocsRoutes(options.api));
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

// libuv accepts one connection per turn of the event loop, and a turn takes tens of milliseconds under load: a burst
// of new connections then waits seconds in the kernel's queue before a request is even read. Several listening
// sockets on the port (SO_REUSEPORT: the kernel spreads connections over them) accept one each per turn. Node has the
// option from 22.12 and 23.1; before that a service listens once.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
export const LISTENING_SOCKETS = major >= 24 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12) ? 8 : 1;

/** Binds host:port alone (no SO_REUSEPORT) and lets go: fails as a plain listen would when the port is taken. */
const freePort = ({ host, port }: { host: string; port: number }): Promise<void> =>
  new Promise((resolve, reject) => {
    const probe = new NetServer();
    probe.once('error', reject);
    probe.listen({ host, port }, () => probe.close(() => resolve()));
  });

export async function listen(app: Express, options: { host: string; port: number }): Promise<RunningServer> {
  const { host } = options;
  // A fixed port taken by another process is refused as it always was, rather than shared with it.
  if (LISTENING_SOCKETS > 1 && options.port !== 0) await freePort(options);
  const servers = Array.from({ length: LISTENING_SOCKETS }, () => createServer(app));
  const idle = new Set<Socket>();
  let closing = false;
  for (const server of servers) {
    // The client, not the server, ends an idle kept-alive connection: a server that closes it (Node's default after
    // 5 s) races a request the client is sending on it, which then fails with "other side closed".
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.headersTimeout = KEEP_ALIVE_MS + 1_000;
    // A kept-alive connection between requests is idle; a new one is not until it has had its first answer, since
    // its request may still be on the way.
    server.on('connection', (socket: Socket) => socket.once('close', () => idle.delete(socket)));
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
  }
  // net's close, not http's: http's also drops every connection whose first request has not been read yet. Its
  // callback comes once every connection has ended.
  const closeAll = (): Promise<unknown> =>
    Promise.all(
      servers
        .filter((server) => server.listening)
        .map(
          (server) =>
            new Promise<void>((done, fail) =>
              NetServer.prototype.close.call(server, (error) => (error ? fail(error) : done())),
            ),
        ),
    );
  const bind = (server: Server, port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, ...(LISTENING_SOCKETS > 1 ? { reusePort: true } : {}) }, resolve);
    });
  // The first one picks the port when asked for any (0); the others join it.
  const [first, ...others] = servers as [Server, ...Server[]];
  let port: number;
  try {
    await bind(first, options.port);
    port = (first.address() as AddressInfo).port;
    await Promise.all(others.map((server) => bind(server, port)));
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
      const cut = setTimeout(() => servers.forEach((server) => server.closeAllConnections()), graceMs);
      try {
        await closeAll();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
