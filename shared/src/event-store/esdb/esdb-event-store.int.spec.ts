import { createServer } from 'node:net';
import { BACKWARDS, END, FORWARDS, type EventStoreDBClient } from '@eventstore/db-client';
import { afterAll, describe, expect, it } from 'vitest';
import { freshName } from '../../testing/names.js';
import { describeWithService } from '../../testing/services.js';
import { EventStoreUnavailable } from '../errors.js';
import { eventStoreContract } from '../event-store.contract.js';
import type { NewEvent } from '../event-store.js';
import { connectEsdb, esdbEventStore } from './esdb-event-store.js';

// The contract on a real EventStoreDB (ESDB_URL, e.g. esdb://localhost:2113?tls=false), plus the server behaviour
// the position mapping rests on (positions.ts). The server is shared and never empty, so the contract runs with
// startsEmpty: false and fresh stream names. EventStoreDB is the one service CI may lack: skipped without ESDB_URL.

describeWithService(
  'ESDB_URL',
  'EventStoreDB event store',
  (url) => {
    let client: EventStoreDBClient | undefined;
    const connect = () => (client ??= connectEsdb(url));
    afterAll(async () => {
      await client?.dispose();
    });

    eventStoreContract('EventStoreDB', async () => ({ store: esdbEventStore(connect()) }), { startsEmpty: false });

    describe('what the position mapping assumes of the server', () => {
      const placed = (n: number): NewEvent => ({ type: 'OrderPlaced', version: 1, data: { n } });

      it('gives each event of a multi-event append its own commit position, equal to its prepare position', async () => {
        const store = esdbEventStore(connect());
        const streamId = `${freshName('t')}-order-1`;
        const { events } = await store.append(streamId, [0, 1, 2, 3].map(placed));
        const ids = new Set(events.map((e) => e.eventId));

        const fromAll = [];
        for await (const resolved of connect().readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 200 })) {
          if (resolved.event && ids.has(resolved.event.id)) fromAll.unshift(resolved.event.position);
        }
        const fromStream = [];
        for await (const resolved of connect().readStream(streamId)) fromStream.push(resolved.event?.position);

        expect(fromAll.map((p) => p.commit)).toEqual(events.map((e) => e.position));
        expect(fromAll.every((p) => p.commit === p.prepare)).toBe(true);
        expect(fromStream).toEqual(fromAll);
        expect(new Set(fromAll.map((p) => p.commit)).size).toBe(4);
      });

      it('reads $all forwards from { commit: p, prepare: p } starting with the event at p', async () => {
        const store = esdbEventStore(connect());
        const { events } = await store.append(`${freshName('t')}-order-1`, [placed(1), placed(2)]);
        const position = events[0]!.position;
        const read = [];
        for await (const resolved of connect().readAll({
          fromPosition: { commit: position, prepare: position },
          direction: FORWARDS,
          maxCount: 2,
        })) {
          read.push(resolved.event?.id);
        }
        expect(read[0]).toBe(events[0]!.eventId);
      });
    });
  },
  { optionalInCi: true },
);

describe('EventStoreDB event store without a server', () => {
  it('reports EventStoreUnavailable from every operation', async () => {
    const client = connectEsdb(`esdb://127.0.0.1:${await closedPort()}?tls=false&defaultDeadline=5000`);
    const store = esdbEventStore(client);
    try {
      await expect(store.append('order-1', [{ type: 'OrderPlaced', version: 1, data: {} }])).rejects.toBeInstanceOf(
        EventStoreUnavailable,
      );
      await expect(store.readStream('order-1')).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailable);
      await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailable);
      const subscription = store.subscribeToAll()[Symbol.asyncIterator]();
      await expect(subscription.next()).rejects.toBeInstanceOf(EventStoreUnavailable);
    } finally {
      await store.close();
      await client.dispose();
    }
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
