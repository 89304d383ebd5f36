import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessFromConfig, silentLogger } from '@order-engine/shared';
import { generatedFiles } from '../client/scripts/generated-files.js';
import { testEngineConfig } from './test-config.js';
import { startEngine, type Engine } from './engine.js';

// GET /openapi.json and GET /docs on each of the three APIs of an embedded engine with API keys checked: open to
// anyone, the documents the client is generated from, and a docs page whose every file comes from this service.

let engine: Engine;

beforeAll(async () => {
  const config = testEngineConfig({
    API_KEYS: 'docs-operator:operator:docs-operator-secret-0123456789',
  });
  engine = await startEngine(config, silentLogger, { access: await accessFromConfig(config) });
});
afterAll(async () => {
  await engine?.stop();
});

const apis = () => ({ command: engine.commandUrl, query: engine.queryUrl, projection: engine.projectionUrl });

describe('the API descriptions', () => {
  it('are served without credentials, and are the documents the client is generated from', async () => {
    const committed = new Map(
      (await generatedFiles())
        .filter(({ path }) => path.endsWith('.json'))
        .map(({ path, contents }) => [/(\w+)\.json$/.exec(path)![1], JSON.parse(contents) as unknown]),
    );
    for (const [name, url] of Object.entries(apis())) {
      const answer = await fetch(`${url}/openapi.json`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      const document = (await answer.json()) as { openapi: string; info: { title: string } };
      expect(document.openapi).toBe('3.1.0');
      expect(document).toEqual(committed.get(name));
    }
  });

  it('render at /docs from files this service serves', async () => {
    for (const url of Object.values(apis())) {
      const page = await fetch(`${url}/docs`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
      expect(files.length).toBeGreaterThanOrEqual(4);
      for (const file of files) {
        expect(file, 'nothing is loaded from another origin').toMatch(/^\/docs\//);
        const asset = await fetch(`${url}${file}`);
        expect(asset.status, file).toBe(200);
        expect((await asset.arrayBuffer()).byteLength, file).toBeGreaterThan(0);
      }
      const init = await (await fetch(`${url}/docs/init.js`)).text();
      expect(init).toContain("url: '/openapi.json'");
      expect((await fetch(`${url}/docs/../../package.json`)).status).toBe(404);
      expect((await fetch(`${url}/docs/index.html`)).status).toBe(404);
    }
  });
});
