import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router } from 'express';
import { HttpProblem } from '../problem.js';
import type { OpenApiDocument } from './api-description.js';

// GET /openapi.json serves the API's description; GET /docs renders it with Swagger UI, whose files come from the
// installed swagger-ui-dist package: the page loads nothing from elsewhere.

const swaggerUi = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/absolute-path.js'));
const assets = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']);

// A script file rather than an inline one, so the page works under a Content-Security-Policy without 'unsafe-inline'.
const initScript = `window.onload = () => {
  window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });
};
`;

const page = (title: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

export function apiDocsRoutes(document: OpenApiDocument): Router {
  const router = Router();
  const json = JSON.stringify(document);
  const html = page(document.info.title.replace(/[<>&"]/g, ''));
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(json);
  });
  router.get('/docs', (_req, res) => {
    res.type('text/html').send(html);
  });
  router.get('/docs/:asset', (req, res) => {
    const { asset } = req.params;
    if (asset === 'init.js') {
      res.type('text/javascript').send(initScript);
      return;
    }
    if (!assets.has(asset)) throw new HttpProblem(404, 'not-found', 'Not Found', `the documentation has no ${asset}`);
    res.sendFile(join(swaggerUi, asset), { maxAge: '1h' });
  });
  return router;
}
