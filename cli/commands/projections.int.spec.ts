import { afterEach, describe, expect, it } from 'vitest';
import { liveProjections } from '@order-engine/projection-service';
import { rebuildWorld, slowed, type RebuildWorld } from '@order-engine/projection-service/testing';
import { sharedPglite } from '@order-engine/shared/testing';
import { runWith } from '../testing.js';

// `projections rebuild` and `projections status` against a projection service over HTTP (on PGlite).

describe('projections command', () => {
  const pglite = sharedPglite();
  let world: RebuildWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('rebuilds a projection, following it to the switch, and prints the verify report', async () => {
    world = await rebuildWorld(await pglite(), { products: 6, orders: 40 }, { dropSchemas: false });
    const { url, service } = await world.instance();
    expect(await service.waitFor(world.head, 20_000)).toBe(true);

    const run = await runWith(['projections', 'rebuild', 'catalog', '--verify', '--url', url]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^rebuilding catalog v1 → v2 \(verify\), job [0-9a-f-]{36}\n/);
    expect(run.stderr).toMatch(
      /\[█{24}\] 100\.0% {2}[\d,]+\/[\d,]+ events .* ETA 0s\nrebuilt catalog v1 → v2: [\d,]+ events in \d+s.*; readers now use v2\n$/,
    );
    expect(run.stdout).toMatch(
      /^verify: the rebuilt version equals the live one at position \d+\n {2}products: 6 live rows, 6 rebuilt, 0 differing\n$/,
    );

    const status = await runWith(['projections', 'status', '--url', url]);
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[1]).toMatch(/^catalog\s+v2\s+live\s+\d+\s+0\s+0\.0$/);
    const json = JSON.parse((await runWith(['projections', 'status', '--json', '--url', url])).stdout);
    expect(json.map((s: { name: string; version: number }) => [s.name, s.version])).toEqual(
      liveProjections.map((p) => [p.name, p.name === 'catalog' ? 2 : 1]),
    );
  });

  it('refuses a second rebuild of the same projection while one runs', async () => {
    world = await rebuildWorld(await pglite(), { products: 6, orders: 80 }, { dropSchemas: false });
    const { url } = await world.instance({
      projections: [liveProjections[0]!, slowed(liveProjections[1]!, 30), liveProjections[2]!],
    });
    const first = runWith(['projections', 'rebuild', 'orders', '--url', url]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await runWith(['projections', 'rebuild', 'orders', '--url', url]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /^a rebuild of orders is already running \(job [0-9a-f-]{36}, \d+ of \d+ events\)\n$/,
    );
    expect((await first).code).toBe(0);
  });

  it('says what is wrong with the command line or the service address', async () => {
    expect((await runWith(['projections', 'rebuild', 'nope'])).code).toBe(2);
    expect((await runWith(['projections'])).stderr).toMatch(/^projections: say rebuild or status\n\nusage:/);
    const unreachable = await runWith(['projections', 'status', '--url', 'http://127.0.0.1:1']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^cannot reach the projection service at http:\/\/127\.0\.0\.1:1 .*: is it running\? Point --url at it\.\n$/,
    );
  });
});
