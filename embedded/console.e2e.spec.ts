import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commandClient, projectionClient, queryClient } from '@order-engine/client';
import { consoleDist, createProjectionService, rebuildSettings } from '@order-engine/projection-service';
import { NO_AUTH, accessFromConfig, memoryCache, silentLogger, type Role } from '@order-engine/shared';
import { describeWithBrowser } from '@order-engine/shared/testing';
import { startEngine, type Engine } from './engine.js';
import { eventually } from './http-client.js';
import { testEngineConfig } from './test-config.js';

// The operator console in a real Chromium against one embedded engine: sign-in, each view doing its job, and the
// figures the console promises (bundle size, first render). SCREENSHOTS_DIR=docs/console refreshes the README's.

const secret = (role: Role) => `${role}-console-secret-0123456789`;
const screenshots = process.env.SCREENSHOTS_DIR;
/** First render of each view, in ms: printed at the end. */
const firstRenders: Record<string, number> = {};

describeWithBrowser('the operator console in Chromium', (executablePath) => {
  let engine: Engine;
  let prefix: string;
  let browser: Browser;
  let page: Page;
  const as = (role: Role) => ({
    commands: commandClient(engine.commandUrl, { token: secret(role) }),
    queries: queryClient(engine.queryUrl, { token: secret(role) }),
    projections: projectionClient(engine.projectionUrl, { token: secret(role) }),
  });
  const consoleUrl = (view = '') => `${engine.projectionUrl}/console/${view && `#/${view}`}`;

  beforeAll(async () => {
    // One event per rebuild page: a rebuild of a few hundred events lasts long enough to watch.
    const config = testEngineConfig({
      SEED_DEMO: 'true',
      API_KEYS: (['operator', 'analyst', 'client'] as const)
        .map((role) => `test-${role}:${role}:${secret(role)}`)
        .join(),
      REBUILD_PAGE_SIZE: '1',
    });
    prefix = config.READ_MODEL_PREFIX;
    engine = await startEngine(config, silentLogger, {
      access: await accessFromConfig(config),
      seedKey: secret('operator'),
    });
    // More history: 400 restocks of the demo kettle.
    for (let batch = 0; batch < 4; batch++)
      await engine.eventStore.append(
        'product-kettle',
        Array.from({ length: 100 }, () => ({ type: 'StockAdded', version: 1, data: { sku: 'kettle', quantity: 1 } })),
      );
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
    if (Object.keys(firstRenders).length > 0)
      console.log(
        `console first render (ms): ${Object.entries(firstRenders)
          .map(([view, ms]) => `${view} ${ms}`)
          .join(', ')}`,
      );
  });

  /** Opens a view from a fresh page load, and records how long until `ready` shows. */
  async function open(view: string, ready: string) {
    const started = Date.now();
    await page.goto(consoleUrl(view));
    await page.locator(ready).first().waitFor();
    firstRenders[view] = Date.now() - started;
  }

  async function shoot(name: string) {
    if (!screenshots) return;
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, `${name}.png`) });
  }

  async function signIn(role: Role) {
    await page.goto(consoleUrl());
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.fill('#token', secret(role));
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('is one bundle under 300 KB gzipped, loaded from the engine only', async () => {
    const assets = join(consoleDist(), 'assets');
    const gzipped = readdirSync(assets).reduce(
      (sum, file) => sum + gzipSync(readFileSync(join(assets, file))).length,
      0,
    );
    console.log(`console bundle: ${(gzipped / 1024).toFixed(1)} KB gzipped (${readdirSync(assets).join(', ')})`);
    expect(gzipped).toBeLessThan(300 * 1024);
    const html = await (await fetch(consoleUrl())).text();
    for (const [, src] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(src).toMatch(/^(\/console\/|data:)/);
  });

  it('refuses a client key at sign-in, and a key that is not one', async () => {
    await signIn('client');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/operator or analyst/);
    await page.fill('#token', 'not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not valid/);
  });

  it('signs an operator in and shows every projection with its lag', async () => {
    await signIn('operator');
    await page.getByText('signed in as test-operator (operator)').waitFor();
    await open('projections', '[data-testid=projection-row]');
    const rows = page.locator('[data-testid=projection-row]');
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    const catalog = page.locator('[data-testid=projection-row][data-name=catalog]');
    await expect.poll(() => catalog.textContent()).toMatch(/live/);
    await shoot('projections');
  });

  it('starts a rebuild with verify and shows its progress up to the switch, with the verify result', async () => {
    await open('rebuild', 'button:has-text("Start rebuild")');
    await page.getByLabel('Projection').selectOption('catalog');
    await page.getByLabel('verify', { exact: false }).check();
    await page.getByRole('button', { name: 'Start rebuild' }).click();
    await page.getByRole('progressbar').waitFor();
    await page.locator('[data-testid=rebuild-switched]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid=rebuild-switched]').textContent()).toMatch(/switched/);
    await shoot('rebuild');
    const catalog = (await as('operator').projections.GET('/projections')).data!.find((p) => p.name === 'catalog')!;
    expect(catalog.version).toBe(2);
  });

  it('shows a 409 (a rebuild running in another process) as a message', async () => {
    // A second projection service on the same database: another process, as far as the job table knows. Its replay
    // waits at a gate, so its job is running (and beating) for as long as the test needs.
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const other = createProjectionService({
      access: NO_AUTH,
      eventStore: { ...engine.eventStore, readAll: (options) => gate.then(() => engine.eventStore.readAll(options)) },
      readDb: engine.databases.readDb,
      prefix,
      cache: memoryCache({ maxEntries: 100 }),
      logger: silentLogger,
      rebuild: rebuildSettings({
        REBUILD_PAGE_SIZE: 1,
        REBUILD_STALE_AFTER_MS: 15_000,
        REBUILD_RETIRE_AFTER_MS: 5_000,
      }),
      instanceId: 'another-process',
    });
    const { job } = await other.rebuilds.request('orders', { verify: false });
    await open('rebuild', 'button:has-text("Start rebuild")');
    await page.getByLabel('Projection').selectOption('orders');
    await page.getByRole('button', { name: 'Start rebuild' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: 10_000 }).toMatch(/running/i);
    expect(await page.locator('header').textContent()).toMatch(/signed in as/);
    openGate();
    await other.rebuilds.settled(job.id);
    await other.rebuilds.stop();
  });

  it('shows a dead letter with its event and error, and retries it once the cause is gone', async () => {
    const { schema } = (await as('operator').projections.GET('/projections')).data!.find((p) => p.name === 'catalog')!;
    await engine.databases.readDb.exec(
      `alter table ${schema}.products add constraint no_poison check (sku <> 'poison')`,
    );
    const registered = await as('operator').commands.POST('/products', {
      body: { sku: 'poison', name: 'Poison', category: 'test', priceCents: 100, currency: 'EUR' },
    });
    expect(registered.response.status).toBe(201);
    await eventually(async () => {
      const { data } = await as('operator').projections.GET('/projections/{name}/dead-letters', {
        params: { path: { name: 'catalog' } },
      });
      return data!.items.length === 1 ? data : undefined;
    });
    await open('dead-letters', '[data-testid=dead-letter-row]');
    await page.locator('[data-testid=dead-letter-row]').first().click();
    const detail = page.locator('[data-testid=dead-letter-detail]');
    await expect.poll(() => detail.textContent()).toMatch(/no_poison/);
    expect(await detail.textContent()).toMatch(/ProductRegistered/);
    await shoot('dead-letters');
    await engine.databases.readDb.exec(`alter table ${schema}.products drop constraint no_poison`);
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => page.locator('[data-testid=retry-outcome]').textContent()).toMatch(/Applied/i);
    const product = await as('operator').queries.GET('/products/{sku}', { params: { path: { sku: 'poison' } } });
    expect(product.response.status).toBe(200);
  });

  it("opens an order's stream and steps it back to a revision where it was still placed", async () => {
    const placed = await as('operator').commands.POST('/orders', {
      body: { customerId: 'alice', lines: [{ sku: 'kettle', quantity: 1 }] },
    });
    const { orderId } = placed.data!;
    await eventually(async () => {
      const { data } = await as('operator').queries.GET('/orders/{id}', { params: { path: { id: orderId } } });
      return data?.status === 'confirmed' ? data : undefined;
    });
    await open('streams', '#stream-search');
    await page.fill('#stream-search', `order-${orderId}`);
    await page.getByText(`order-${orderId}`, { exact: true }).first().click();
    const state = page.locator('[data-testid=entity-state]');
    await expect.poll(() => state.textContent()).toMatch(/"status":\s*"confirmed"/);
    // A range input: set as a user dragging it to the left end would.
    await page.locator('#revision').evaluate((input: { value: string; dispatchEvent(event: Event): boolean }) => {
      input.value = '0';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await expect.poll(() => state.textContent()).toMatch(/"status":\s*"placed"/);
    expect(await state.textContent()).not.toMatch(/"status":\s*"confirmed"/);
    await shoot('streams');
  });

  it('says which service is down and retries, without losing the view', async () => {
    await open('streams', '#stream-search');
    await page.route(`${engine.queryUrl}/**`, (route) => route.abort('connectionrefused'));
    await page.fill('#stream-search', 'order-');
    const down = page.locator('[data-testid=service-down]');
    await expect.poll(() => down.first().textContent(), { timeout: 15_000 }).toMatch(/query-service/);
    expect(await page.locator('#stream-search').isVisible()).toBe(true);
    await page.unroute(`${engine.queryUrl}/**`);
    await expect.poll(() => down.count(), { timeout: 15_000 }).toBe(0);
  });

  it("shows the engine's rates from the services' metrics, under orders placed meanwhile", async () => {
    await open('engine', '[data-testid=commands-rate]');
    // Rates need two scrapes (5 s apart) with commands between them.
    const placing = (async () => {
      for (let i = 0; i < 24; i++) {
        await as('operator').commands.POST('/orders', {
          body: { customerId: 'bob', lines: [{ sku: 'kettle', quantity: 1 }] },
        });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const rate = page.locator('[data-testid=commands-rate]');
    await expect.poll(() => rate.textContent(), { timeout: 20_000 }).toMatch(/^[1-9][\d.,]*/);
    expect(await page.locator('[data-testid=appends-rate]').textContent()).toMatch(/^[1-9][\d.,]*/);
    expect(await page.locator('main').textContent()).toMatch(/Hit rate/);
    expect(await page.locator('[data-testid=relay-absent]').textContent()).toMatch(/none in the command service/);
    await placing;
    await shoot('engine');
  });

  it('shows the rebuild in the audit log, filtered by identity', async () => {
    await open('audit', '[data-testid=audit-row]');
    const rebuild = page.locator('[data-testid=audit-row]', { hasText: '/projections/:name/rebuild' });
    await expect.poll(() => rebuild.count()).toBeGreaterThan(0);
    expect(await rebuild.first().textContent()).toMatch(/test-operator/);
    await shoot('audit');
  });

  it('lets an analyst see everything but change nothing', async () => {
    await signIn('analyst');
    await page.getByText('signed in as test-analyst (analyst)').waitFor();
    await open('rebuild', 'button:has-text("Start rebuild")');
    expect(await page.getByRole('button', { name: 'Start rebuild' }).isDisabled()).toBe(true);
    await open('audit', '[data-testid=audit-row]');
    for (const ms of Object.values(firstRenders)) expect(ms).toBeLessThan(1_000);
  });
});
