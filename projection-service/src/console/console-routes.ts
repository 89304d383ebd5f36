import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HttpProblem } from '@order-engine/shared';
import express, { Router, type Request } from 'express';
import type { ConsoleConfig } from './console-api.js';

// GET /console/: the operator console, built from the console workspace (console/dist). It calls this API from its
// own origin and the command and query APIs from theirs, which let the console's origin in (access.ts).

export interface ConsoleOptions {
  /** The built console; default: the console workspace's dist folder. */
  dist?: string;
  /** The command and query APIs' URLs for a browser that reached this service at `page`. */
  apiUrls(page: URL): ConsoleConfig;
}

/** The console workspace's build output, wherever the workspace is installed. */
export const consoleDist = (): string =>
  join(dirname(createRequire(import.meta.url).resolve('@order-engine/console/package.json')), 'dist');

/** The other APIs on the host the browser used, at their ports; a URL given in the configuration wins. */
export const sameHostApis =
  (ports: () => { command: number; query: number }, fixed: { commandUrl?: string; queryUrl?: string } = {}) =>
  (page: URL): ConsoleConfig => ({
    commandUrl: fixed.commandUrl ?? `${page.protocol}//${page.hostname}:${ports().command}`,
    queryUrl: fixed.queryUrl ?? `${page.protocol}//${page.hostname}:${ports().query}`,
  });

const pageUrl = (req: Request) => new URL(`${req.protocol}://${req.headers.host ?? 'localhost'}`);

export function consoleRoutes(options: ConsoleOptions): Router {
  const dist = options.dist ?? consoleDist();
  const router = Router();
  const built = () => existsSync(join(dist, 'index.html'));
  const notBuilt = () =>
    new HttpProblem(
      503,
      'console-not-built',
      'Service Unavailable',
      'the console is not built: npm run build -w console',
    );

  router.get('/console/config.json', (req, res) => {
    res.set('Cache-Control', 'no-store').json(options.apiUrls(pageUrl(req)));
  });
  router.get('/console', (req, res, next) => {
    // Without the slash, the page's relative URLs would resolve against the root.
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) {
      res.redirect(301, '/console/');
      return;
    }
    if (!built()) throw notBuilt();
    const { commandUrl, queryUrl } = options.apiUrls(pageUrl(req));
    res
      .set('Cache-Control', 'no-cache')
      .set(
        'Content-Security-Policy',
        `default-src 'self'; connect-src 'self' ${new URL(commandUrl).origin} ${new URL(queryUrl).origin}; ` +
          "img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      )
      .set('X-Content-Type-Options', 'nosniff')
      .sendFile(join(dist, 'index.html'), (error) => error && next(error));
  });
  router.use('/console/assets', (_req, _res, next) => next(built() ? undefined : notBuilt()));
  // Vite names each asset after its content: a new build is a new name.
  router.use(
    '/console/assets',
    express.static(join(dist, 'assets'), { immutable: true, maxAge: '365d', index: false, redirect: false }),
  );
  return router;
}
