import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandClient, projectionClient, queryClient } from '@order-engine/client';
import { NO_AUTH, silentLogger } from '@order-engine/shared';
import { testEngineConfig } from './test-config.js';
import { startEngine, type Engine } from './engine.js';

// The embedded engine's database is a PGlite worker thread. When it dies, nothing can be read or written any more:
// every API's /ready must say so at once, and the engine must report it (npm start then exits non-zero), rather
// than keep answering /health while every request fails.

let engine: Engine;
const lost: Error[] = [];

beforeAll(async () => {
  const config = testEngineConfig();
  engine = await startEngine(config, silentLogger, { access: NO_AUTH, onDatabaseLost: (error) => lost.push(error) });
});
afterAll(async () => {
  await engine?.stop();
});

describe('embedded engine, PGlite worker lost', () => {
  it('answers 200 on /ready while the worker lives, then 503 naming the databases once it dies, and reports the loss once', async () => {
    const commands = commandClient(engine.commandUrl);
    const queries = queryClient(engine.queryUrl);
    const projections = projectionClient(engine.projectionUrl);
    const readyAll = () => Promise.all([commands.GET('/ready'), queries.GET('/ready'), projections.GET('/ready')]);
    for (const { data, response } of await readyAll())
      expect({ status: response.status, body: data }).toMatchObject({
        status: 200,
        body: { status: 'ready', failing: [] },
      });
    expect(lost).toEqual([]);

    await engine.databases.pglite!.terminateWorker();

    // A 503's body is the same Readiness, in error.
    expect((await commands.GET('/ready')).error?.failing).toEqual(expect.arrayContaining(['eventStore', 'database']));
    expect((await queries.GET('/ready')).error?.failing).toEqual(
      expect.arrayContaining(['readDatabase', 'eventStore']),
    );
    expect((await projections.GET('/ready')).error?.failing).toEqual(
      expect.arrayContaining(['readDatabase', 'eventStore']),
    );
    for (const { response } of await readyAll()) expect(response.status).toBe(503);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.message).toMatch(/PGlite worker exited/);
    // Liveness is still cheap and says the process runs; readiness is what a supervisor acts on.
    expect((await commands.GET('/health')).response.status).toBe(200);
    // Requests fail fast with 503, never hang.
    const started = Date.now();
    const answer = await commands.POST('/products/{sku}/restock', {
      params: { path: { sku: 'lamp' } },
      body: { quantity: 1 },
    });
    expect(answer.response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
