import {
  NO_AUTH,
  connectEsdb,
  createApp,
  createLogger,
  encodeEvent,
  esdbEventStore,
  finishApp,
  listen,
  memoryEventStore,
  pgSql,
  postgresEventStore,
  type DomainEvent,
  type EventStore,
  type RecordedEvent,
  type RunningServer,
  type Sql,
} from '@order-engine/shared';
import { describeWithService, freshName, sharedPglite } from '@order-engine/shared/testing';
import { afterAll, afterEach, beforeEach, describe } from 'vitest';
import { historyRoutes } from '../routes.js';

// The history routes over real HTTP, on each event store adapter: memory, PGlite and PostgreSQL with a fresh schema
// per test, and EventStoreDB when ESDB_URL is set. An EventStoreDB server is shared and never empty, so specs read
// $all after the head they found (`start`) and use fresh ids.

export interface HistoryFixture {
  store: EventStore;
  /** $all's head before the test appended anything. */
  start: bigint;
  url: string;
  get(path: string): Promise<{ status: number; headers: Headers; text: string }>;
  /** Appends each group a few milliseconds after the one before; returns the events as recorded. */
  appendApart(...groups: [streamId: string, events: DomainEvent[]][]): Promise<RecordedEvent[][]>;
}

type MakeStore = () => Promise<{ store: EventStore; cleanup?: () => Promise<void> }>;

const logger = createLogger(process.env.LOG_LEVEL === 'debug' ? 'debug' : 'silent');

function historyFixture(makeStore: MakeStore, pageSize: number): () => HistoryFixture {
  let current: { fixture: HistoryFixture; server: RunningServer; cleanup?: () => Promise<void> } | undefined;

  beforeEach(async () => {
    const { store, cleanup } = await makeStore();
    const app = createApp('query-service', { access: NO_AUTH });
    app.use(historyRoutes({ eventStore: store, logger, pageSize }));
    finishApp(app, logger);
    const server = await listen(app, { host: '127.0.0.1', port: 0 });
    const fixture: HistoryFixture = {
      store,
      start: await store.headPosition(),
      url: server.url,
      async get(path) {
        const response = await fetch(`${server.url}${path}`);
        return { status: response.status, headers: response.headers, text: await response.text() };
      },
      async appendApart(...groups) {
        const recorded: RecordedEvent[][] = [];
        for (const [streamId, events] of groups) {
          if (recorded.length > 0) await new Promise((resolve) => setTimeout(resolve, 25));
          const { events: appended } = await store.append(
            streamId,
            events.map((event) => encodeEvent(event)),
          );
          // Read back: what a reader sees (PostgreSQL's microseconds come back as milliseconds).
          const stored = await store.readStream(streamId, { fromRevision: appended[0]!.revision });
          recorded.push(stored.slice(0, appended.length));
        }
        await waitUntilVisible(store, recorded.at(-1)?.at(-1)?.position ?? 0n);
        return recorded;
      },
    };
    current = { fixture, server, cleanup };
  });

  afterEach(async () => {
    const done = current;
    current = undefined;
    await done?.server.close();
    await done?.fixture.store.close();
    await done?.cleanup?.();
  });

  return () => {
    if (!current) throw new Error('the history fixture is only available inside a test');
    return current.fixture;
  };
}

/**
 * PostgreSQL may show an appended event in $all a moment after append() returned (an older writer still committing).
 */
async function waitUntilVisible(store: EventStore, position: bigint): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await store.headPosition()) < position) {
    if (Date.now() > deadline) throw new Error(`position ${position} did not become visible`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs the same specification on every event store adapter. Small pages make every export cross page boundaries. */
export function describeOnEventStores(
  name: string,
  body: (fixture: () => HistoryFixture) => void,
  options: { pageSize?: number } = {},
): void {
  const pageSize = options.pageSize ?? 3;
  describe(`${name} on the memory store`, () => {
    body(historyFixture(async () => ({ store: memoryEventStore() }), pageSize));
  });
  describe(`${name} on PGlite`, () => {
    const pglite = sharedPglite();
    body(historyFixture(() => postgresStore(pglite), pageSize));
  });
  describeWithService('DATABASE_URL', `${name} on PostgreSQL`, (url) => {
    let sql: Sql | undefined;
    afterAll(async () => sql?.close());
    body(historyFixture(() => postgresStore(async () => (sql ??= pgSql(url))), pageSize));
  });
  describeWithService(
    'ESDB_URL',
    `${name} on EventStoreDB`,
    (url) => {
      let client: ReturnType<typeof connectEsdb> | undefined;
      afterAll(async () => client?.dispose());
      body(historyFixture(async () => ({ store: esdbEventStore((client ??= connectEsdb(url))) }), pageSize));
    },
    { optionalInCi: true },
  );
}

async function postgresStore(connect: () => Promise<Sql>) {
  const sql = await connect();
  const schema = freshName('es');
  return {
    store: postgresEventStore(sql, { schema }),
    cleanup: () => sql.exec(`drop schema if exists ${schema} cascade`),
  };
}
