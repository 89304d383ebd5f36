import pg from 'pg';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { pgSql } from '../../sql/pg-sql.js';
import type { Sql } from '../../sql/sql.js';
import { freshName } from '../../testing/names.js';
import { describeWithService } from '../../testing/services.js';
import { WrongExpectedRevision } from '../errors.js';
import type { EventStore, ExpectedRevision, NewEvent, RecordedEvent } from '../event-store.js';
import { postgresEventStore } from './postgres-event-store.js';

// The global-order pitfall (docs/architecture.md, Global order of `$all` on PostgreSQL) on a real server: many appenders commit concurrently, some of them
// late, while a subscriber follows $all. The subscriber must see every committed event once, in position order.
//
// To show the test can fail, a naive reader (`position > last`, no tx_id guard) follows the same appends; it must
// miss events, or the test did not produce late commits (it misses ~400 of 3,200 per run here, and still ~50
// without the late-committing appenders). Also checked by hand: with `settled` in read-all.ts replaced by `true`,
// the store's own subscriber saw only ~2,900 of the 3,200 events and this test failed.

const appenders = 16;
const eventsPerAppender = 200;
const streams = 24;

describeWithService('DATABASE_URL', 'concurrent appenders on PostgreSQL', (url) => {
  let sql: Sql;
  const schema = freshName('es');

  beforeAll(() => {
    sql = pgSql(new pg.Pool({ connectionString: url, max: appenders + 8 }));
  });
  afterAll(async () => {
    await sql.exec(`drop schema if exists ${schema} cascade`);
    await sql.close();
  });

  it(`${appenders} appenders × ${eventsPerAppender} events: a live subscriber sees each committed event once, in order`, async () => {
    const store = postgresEventStore(sql, { schema, pollIntervalMs: 20 });
    // Same SQL, but each append waits a few ms inside its transaction before COMMIT: a slow commit, made likely.
    const lateStore = postgresEventStore(lateCommitting(sql), { schema });
    await store.headPosition(); // migrates

    const subscriber = follow(store);
    const naive = followNaively(sql, schema);
    onTestFinished(async () => {
      // Stopped already when the test passed; after a failure, stop them before afterAll drops the schema.
      await Promise.allSettled([subscriber.stop(), naive.stop()]);
      await Promise.all([store.close(), lateStore.close()]);
    });
    const outcomes = await Promise.all(
      Array.from({ length: appenders }, (_, i) => append(i % 4 === 0 ? lateStore : store, i)),
    );
    const written = outcomes.flatMap((o) => o.written);
    const conflicts = outcomes.reduce((sum, o) => sum + o.conflicts, 0);

    await subscriber.waitFor(written.length);
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for duplicates to show up
    const seen = await subscriber.stop();
    const naivelySeen = await naive.stop();
    const final = await store.readAll();

    const seenIds = new Set(seen.map((e) => e.eventId));
    expect(written.filter((e) => !seenIds.has(e.eventId)).length, 'committed events the subscriber skipped').toBe(0);
    expect(seen.length - seenIds.size, 'events delivered twice').toBe(0);
    const positions = seen.map((e) => e.position);
    expect(
      positions.every((p, i) => i === 0 || p > positions[i - 1]!),
      'positions strictly increasing',
    ).toBe(true);
    expect(seen.map((e) => e.eventId)).toEqual(final.map((e) => e.eventId));
    expect(seen).toHaveLength(appenders * eventsPerAppender);
    expect(seen).toEqual(final);
    for (let s = 0; s < streams; s++) {
      const revisions = (await store.readStream(`order-${s}`)).map((e) => e.revision);
      expect(revisions).toEqual(revisions.map((_, i) => i));
    }
    expect(conflicts).toBeGreaterThan(0);

    const missedNaively = written.length - new Set(naivelySeen).size;
    console.info(
      `[concurrent appenders] ${written.length} events, ${conflicts} conflicts retried; a naive reader missed ${missedNaively}`,
    );
    expect(missedNaively, 'the naive reader must miss events, or nothing committed late').toBeGreaterThan(0);
  });
});

/** One appender: random streams (shared with the others), 1–5 events per append, retrying conflicts. */
async function append(store: EventStore, appender: number): Promise<{ written: RecordedEvent[]; conflicts: number }> {
  const written: RecordedEvent[] = [];
  const known = new Map<string, number>();
  let conflicts = 0;
  while (written.length < eventsPerAppender) {
    const streamId = `order-${Math.floor(Math.random() * streams)}`;
    const count = Math.min(
      Math.random() < 0.5 ? 1 : 2 + Math.floor(Math.random() * 4),
      eventsPerAppender - written.length,
    );
    const events: NewEvent[] = Array.from({ length: count }, (_, i) => ({
      type: 'OrderPlaced',
      version: 1,
      data: { appender, n: written.length + i },
    }));
    for (;;) {
      const expectedRevision: ExpectedRevision = Math.random() < 0.25 ? 'any' : (known.get(streamId) ?? 'no_stream');
      try {
        const result = await store.append(streamId, events, { expectedRevision });
        known.set(streamId, result.nextExpectedRevision);
        written.push(...result.events);
        break;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision) || error.actual === undefined) throw error;
        conflicts++;
        // Retry from what the store says is there now, as a command handler would after a fresh read.
        if (error.actual >= 0) known.set(streamId, error.actual);
        else known.delete(streamId);
      }
    }
  }
  return { written, conflicts };
}

function lateCommitting(sql: Sql): Sql {
  return {
    ...sql,
    query: (text, params) =>
      text.includes('append_events')
        ? sql.transaction(async (tx) => {
            const rows = await tx.query(text, params);
            await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 20));
            return rows;
          })
        : sql.query(text, params),
  } as Sql;
}

function follow(store: EventStore) {
  const controller = new AbortController();
  const seen: RecordedEvent[] = [];
  const done = (async () => {
    for await (const batch of store.subscribeToAll({ signal: controller.signal })) seen.push(...batch);
  })();
  return {
    async waitFor(count: number) {
      const deadline = Date.now() + 30_000;
      while (seen.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async stop() {
      controller.abort();
      await done;
      return seen;
    },
  };
}

/** The reader the pitfall is about: continues from the highest position it saw, trusting it is complete. */
function followNaively(sql: Sql, schema: string) {
  let stopped = false;
  const seen: string[] = [];
  const done = (async () => {
    let last = '0';
    while (!stopped) {
      const rows = await sql.query<{ event_id: string; last_position: string }>(
        `select event_id::text, position::text as last_position from ${schema}.events where position > $1::bigint order by position`,
        [last],
      );
      for (const row of rows) seen.push(row.event_id);
      last = rows.at(-1)?.last_position ?? last;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return seen;
    },
  };
}
