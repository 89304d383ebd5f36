import { get, type IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NO_AUTH, createApp, createLogger, finishApp, listen, type RunningServer } from '@order-engine/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE } from './event-pages.js';
import { historyRoutes } from './routes.js';
import { syntheticStore } from './testing/synthetic-store.js';

// Exports of 200,000 events of about a kilobyte each (some 200 MB of NDJSON) from a store that makes them up on
// demand: the exporter must hold only a page or two, read no faster than the client takes the answer, and stop
// reading when the client goes away.

const total = 200_000;
const pageSize = DEFAULT_PAGE_SIZE;
// gc() without starting Node with --expose-gc: the flag can be set at run time, and a new context then has gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RunningServer;
let synthetic: ReturnType<typeof syntheticStore>;

beforeEach(async () => {
  synthetic = syntheticStore(total);
  const logger = createLogger('silent');
  const app = createApp('query-service', { access: NO_AUTH });
  app.use(historyRoutes({ eventStore: synthetic.store, logger, pageSize }));
  finishApp(app, logger);
  server = await listen(app, { host: '127.0.0.1', port: 0 });
});

afterEach(async () => server.close());

function request(path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(`${server.url}${path}`, resolve).on('error', reject));
}

/** Counts lines to the end of the answer, holding no more than a chunk. */
async function countLines(answer: IncomingMessage): Promise<number> {
  let count = 0;
  for await (const chunk of answer as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) count++;
  }
  return count;
}

describe(`exporting ${total.toLocaleString('en-US')} events over HTTP`, () => {
  it('keeps memory flat while a fast client reads them all', async () => {
    // What stays live after a full collection, sampled as the answer arrives; garbage between pages does not count.
    const live = () => (collectGarbage(), process.memoryUsage().heapUsed);
    const baseline = live();
    let peak = baseline;
    const answer = await request('/history/events');
    expect(answer.statusCode).toBe(200);
    let count = 0;
    let bytes = 0;
    for await (const chunk of answer as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) count++;
      if (Math.floor((bytes + chunk.length) / 2 ** 24) > Math.floor(bytes / 2 ** 24)) peak = Math.max(peak, live()); // every 16 MB
      bytes += chunk.length;
    }
    expect(count).toBe(total);
    expect(synthetic.reads.events).toBe(total);
    // Holding the export would take over 200 MB; two pages of events and a page of text are about 20 MB.
    expect(bytes / 2 ** 20).toBeGreaterThan(190);
    expect((peak - baseline) / 2 ** 20).toBeLessThan(40);
  });

  it('stops reading the store while the client is not reading (backpressure), and goes on when it reads again', async () => {
    const answer = await request('/history/events');
    answer.pause();
    await sleep(300);
    const stalledAt = synthetic.reads.pages;
    await sleep(300);
    expect(synthetic.reads.pages, 'pages read while the client did not read').toBe(stalledAt);
    // Socket buffers hold a little; everything else waits in the store.
    expect(stalledAt).toBeLessThan(total / pageSize / 2);
    expect(await countLines(answer)).toBe(total);
  });

  it('stops reading the store when the client disconnects', async () => {
    const answer = await request('/history/events');
    await new Promise((resolve) => answer.once('data', resolve));
    answer.destroy();
    await sleep(200);
    const afterDisconnect = synthetic.reads.pages;
    await sleep(300);
    expect(synthetic.reads.pages).toBe(afterDisconnect);
    expect(afterDisconnect).toBeLessThan(total / pageSize / 2);
  });
});
