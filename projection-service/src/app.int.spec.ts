import { afterEach, describe, expect, it } from 'vitest';
import {
  NO_AUTH,
  listen,
  memoryCache,
  memoryEventStore,
  projectionNames,
  silentLogger,
  type RunningServer,
} from '@order-engine/shared';
import { freshName, sharedPglite } from '@order-engine/shared/testing';
import type { ProjectionStatus } from './admin/projection-status.js';
import { migrateReadModels } from './read-models/migrate.js';
import { createProjectionService, type ProjectionService } from './service.js';
import { appendHistory } from './testing/sample-history.js';

// The admin API over HTTP, on PGlite: checkpoints and lag before the runners start, and once they have caught up.
const pglite = sharedPglite();

describe('projection-service admin API', () => {
  let server: RunningServer | undefined;
  let service: ProjectionService | undefined;
  afterEach(async () => {
    await server?.close();
    await service?.stop();
  });

  async function startService() {
    const readDb = await pglite();
    const prefix = `${freshName('t')}_`;
    const eventStore = memoryEventStore();
    service = createProjectionService({
      access: NO_AUTH,
      eventStore,
      readDb,
      cache: memoryCache({ maxEntries: 100 }),
      prefix,
      logger: silentLogger,
      batchSize: 5,
    });
    server = await listen(service.app, { host: '127.0.0.1', port: 0 });
    return { readDb, prefix, eventStore, service, url: server.url };
  }

  const getProjections = async (url: string) => {
    const response = await fetch(`${url}/projections`);
    expect(response.status).toBe(200);
    return (await response.json()) as ProjectionStatus[];
  };

  it('answers /health', async () => {
    const { url } = await startService();
    const response = await fetch(`${url}/health`);
    expect(await response.json()).toEqual({ status: 'ok', service: 'projection-service' });
  });

  it('shows how far behind the head each projection is, then that it has caught up', async () => {
    const { readDb, prefix, eventStore, service: running, url } = await startService();
    await migrateReadModels(readDb, prefix);
    const head = await appendHistory(eventStore);
    const [oldest] = await eventStore.readAll({ limit: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));

    const behind = await getProjections(url);
    const ageSeconds = (Date.now() - oldest!.recordedAt.getTime()) / 1000;
    expect(behind.map((p) => p.name)).toEqual(projectionNames);
    for (const status of behind) {
      expect(status).toMatchObject({
        version: 1,
        schema: `${prefix}${status.name}_v1`,
        status: 'live',
        checkpoint: '0',
        headPosition: head.toString(),
        lagEvents: Number(head),
      });
      expect(status.lagSeconds).toBeGreaterThanOrEqual(0.02);
      expect(status.lagSeconds).toBeLessThanOrEqual(ageSeconds);
    }

    await running.start();
    expect(await running.waitFor(head, 20_000)).toBe(true);
    const caughtUp = await getProjections(url);
    for (const status of caughtUp)
      expect(status).toMatchObject({
        checkpoint: head.toString(),
        headPosition: head.toString(),
        lagEvents: 0,
        lagSeconds: 0,
      });
  });

  it('answers an unknown route with a problem', async () => {
    const { url } = await startService();
    const response = await fetch(`${url}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
