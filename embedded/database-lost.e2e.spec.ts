import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_AUTH, loadEngineConfig, silentLogger } from '@order-engine/shared';
import { startEngine, type Engine } from './engine.js';
import { requestJson } from './http-client.js';

// The embedded engine's database is a PGlite worker thread. When it dies, nothing can be read or written any more:
// every API's /ready must say so at once, and the engine must report it (npm start then exits non-zero), rather
// than keep answering /health while every request fails.

let engine: Engine;
const lost: Error[] = [];

beforeAll(async () => {
  const config = loadEngineConfig({
    DATA_DIR: 'memory://',
    COMMAND_PORT: '0',
    QUERY_PORT: '0',
    PROJECTION_PORT: '0',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
  });
  engine = await startEngine(config, silentLogger, { access: NO_AUTH, onDatabaseLost: (error) => lost.push(error) });
});
afterAll(async () => {
  await engine?.stop();
});

const ready = async (url: string) =>
  requestJson<{ status: string; failing: string[] }>(`${url}/ready`, { method: 'GET' });

describe('embedded engine, PGlite worker lost', () => {
  it('answers 200 on /ready while the worker lives, then 503 naming the databases once it dies, and reports the loss once', async () => {
    const urls = [engine.commandUrl, engine.queryUrl, engine.projectionUrl];
    for (const url of urls)
      expect(await ready(url)).toMatchObject({ status: 200, body: { status: 'ready', failing: [] } });
    expect(lost).toEqual([]);

    await engine.databases.pglite!.terminateWorker();

    expect((await ready(engine.commandUrl)).body.failing).toEqual(expect.arrayContaining(['eventStore', 'database']));
    expect((await ready(engine.queryUrl)).body.failing).toEqual(expect.arrayContaining(['readDatabase', 'eventStore']));
    expect((await ready(engine.projectionUrl)).body.failing).toEqual(
      expect.arrayContaining(['readDatabase', 'eventStore']),
    );
    for (const url of urls) expect((await ready(url)).status).toBe(503);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.message).toMatch(/PGlite worker exited/);
    // Liveness is still cheap and says the process runs; readiness is what a supervisor acts on.
    expect((await requestJson(`${engine.commandUrl}/health`, { method: 'GET' })).status).toBe(200);
    // Requests fail fast with 503, never hang.
    const started = Date.now();
    const answer = await requestJson(`${engine.commandUrl}/products/lamp/restock`, { body: { quantity: 1 } });
    expect(answer.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
