import type { RecordedEvent } from '@order-engine/shared';
import { freshName } from '@order-engine/shared/testing';
import { expect, it } from 'vitest';
import { toEnvelope, type EventEnvelope } from '@order-engine/shared';
import { parseCsv } from './testing/csv.js';
import { describeOnEventStores, type HistoryFixture } from './testing/history-fixture.js';
import {
  cancelled,
  confirmed,
  lineReserved,
  placed,
  registered,
  stockAdded,
  stockReserved,
} from './testing/domain-events.js';

// GET /history/events and /history/streams/:id: exports in global (or revision) order, as NDJSON or CSV, filtered.
// Pages of 3 events (the fixture's) make every export cross page boundaries.

async function story(f: HistoryFixture) {
  const sku = freshName('lamp');
  const orderId = freshName('o');
  const groups = await f.appendApart(
    [`product-${sku}`, [registered(sku, 2500), stockAdded(sku, 10)]],
    [`order-${orderId}`, [placed(orderId, sku, 2, 2500)]],
    [`product-${sku}`, [stockReserved(sku, orderId, 2)]],
    [`order-${orderId}`, [lineReserved(orderId, sku, 2), confirmed(orderId)]],
    [`order-${orderId}`, [cancelled(orderId)]],
  );
  return { sku, orderId, groups, all: groups.flat() };
}

const lines = (text: string): EventEnvelope[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as EventEnvelope);
const envelopes = (events: RecordedEvent[]) => events.map(toEnvelope);
const iso = (date: Date) => encodeURIComponent(date.toISOString());

describeOnEventStores('history export', (fixture) => {
  it('streams $all as NDJSON in global order, each line the event envelope as stored', async () => {
    const f = fixture();
    const { all } = await story(f);
    const answer = await f.get(`/history/events?after=${f.start}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(answer.headers.get('x-head-position')).toBe(all.at(-1)!.position.toString());
    expect(lines(answer.text)).toEqual(envelopes(all));
    expect(Object.keys(lines(answer.text)[0]!)).toEqual([
      'eventId',
      'type',
      'version',
      'streamId',
      'revision',
      'position',
      'recordedAt',
      'data',
      'metadata',
    ]);
  });

  it('writes the same events as CSV, with a header row and the data as JSON cells', async () => {
    const f = fixture();
    const { all } = await story(f);
    const answer = await f.get(`/history/events?after=${f.start}&format=csv`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const [header, ...rows] = parseCsv(answer.text);
    expect(header).toEqual([
      'eventId',
      'type',
      'version',
      'streamId',
      'revision',
      'position',
      'recordedAt',
      'data',
      'metadata',
    ]);
    expect(rows).toEqual(
      envelopes(all).map((e) => [
        e.eventId,
        e.type,
        String(e.version),
        e.streamId,
        String(e.revision),
        e.position,
        e.recordedAt,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
      ]),
    );
  });

  it('filters by event types (repeated or comma-separated), stream prefix, after and limit', async () => {
    const f = fixture();
    const { orderId, sku, all } = await story(f);
    const exported = async (query: string) => lines((await f.get(`/history/events?after=${f.start}&${query}`)).text);
    const only = (keep: (e: RecordedEvent) => boolean) => envelopes(all.filter(keep));

    expect(await exported('type=OrderPlaced&type=OrderCancelled')).toEqual(
      only((e) => e.type === 'OrderPlaced' || e.type === 'OrderCancelled'),
    );
    expect(await exported('type=OrderPlaced,OrderCancelled')).toEqual(
      only((e) => e.type === 'OrderPlaced' || e.type === 'OrderCancelled'),
    );
    expect(await exported(`stream=order-${orderId}`)).toEqual(only((e) => e.streamId === `order-${orderId}`));
    expect(await exported(`stream=product-${sku}&type=StockReserved`)).toEqual(only((e) => e.type === 'StockReserved'));
    expect(await exported('limit=4')).toEqual(envelopes(all.slice(0, 4)));
    expect(lines((await f.get(`/history/events?after=${all[2]!.position}&limit=2`)).text)).toEqual(
      envelopes(all.slice(3, 5)),
    );
    expect(await exported(`stream=${freshName('nothing')}`)).toEqual([]);
  });

  it('filters by recorded time: from inclusive, to exclusive', async () => {
    const f = fixture();
    const { groups } = await story(f);
    const exported = async (query: string) => lines((await f.get(`/history/events?after=${f.start}&${query}`)).text);
    const timeOf = (group: number) => groups[group]![0]!.recordedAt;

    expect(await exported(`from=${iso(timeOf(3))}`)).toEqual(envelopes(groups.slice(3).flat()));
    expect(await exported(`to=${iso(timeOf(1))}`)).toEqual(envelopes(groups[0]!));
    expect(await exported(`from=${iso(timeOf(1))}&to=${iso(timeOf(3))}&type=OrderPlaced`)).toEqual(
      envelopes(groups[1]!),
    );
    expect(await exported(`from=${iso(new Date(timeOf(4).getTime() + 1))}`)).toEqual([]);
  });

  it('ends at the head it found when the export started', async () => {
    const f = fixture();
    const { all } = await story(f);
    const answer = await fetch(`${f.url}/history/events?after=${f.start}`);
    const head = answer.headers.get('x-head-position');
    await f.store.append(`order-${freshName('late')}`, [
      { type: 'OrderConfirmed', version: 1, data: { orderId: 'late' } },
    ]);
    expect(head).toBe(all.at(-1)!.position.toString());
    expect(lines(await answer.text()).map((e) => e.position)).toEqual(all.map((e) => e.position.toString()));
  });

  it('streams one stream in revision order, as NDJSON or CSV; 404 for a stream without events', async () => {
    const f = fixture();
    const { orderId, all } = await story(f);
    const orderEvents = envelopes(all.filter((e) => e.streamId === `order-${orderId}`));
    const answer = await f.get(`/history/streams/order-${orderId}`);
    expect(answer.status).toBe(200);
    expect(lines(answer.text)).toEqual(orderEvents);
    expect(lines(answer.text).map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    const [, ...rows] = parseCsv((await f.get(`/history/streams/order-${orderId}?format=csv`)).text);
    expect(rows.map((row) => row[0])).toEqual(orderEvents.map((e) => e.eventId));

    const missing = await f.get(`/history/streams/order-${freshName('nothing')}`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ status: 404, detail: expect.stringMatching(/has no events/) });

    // A page: from a revision on, at most limit events.
    const page = await f.get(`/history/streams/order-${orderId}?from=1&limit=2`);
    expect(lines(page.text).map((e) => e.revision)).toEqual([1, 2]);
    const pastTheEnd = await f.get(`/history/streams/order-${orderId}?from=4`);
    expect([pastTheEnd.status, JSON.parse(pastTheEnd.text).detail]).toEqual([
      404,
      `stream order-${orderId} has no events from revision 4 on`,
    ]);
  });

  it('lists streams by id prefix, a page at a time, with their last event', async () => {
    const f = fixture();
    const { orderId, all } = await story(f);
    const last = all.filter((e) => e.streamId === `order-${orderId}`).at(-1)!;
    const listed = await f.get(`/history/streams?prefix=order-${orderId}`);
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.text)).toEqual({
      items: [
        {
          streamId: `order-${orderId}`,
          revision: last.revision,
          position: last.position.toString(),
          recordedAt: last.recordedAt.toISOString(),
        },
      ],
    });
    const orders = JSON.parse((await f.get('/history/streams?prefix=order-&limit=1000')).text).items as {
      streamId: string;
    }[];
    const ids = orders.map((s) => s.streamId);
    expect(ids).toContain(`order-${orderId}`);
    expect(ids.every((id) => id.startsWith('order-'))).toBe(true);
    expect(ids).toEqual([...ids].sort());
    const next = JSON.parse((await f.get(`/history/streams?prefix=order-&after=${ids[0]}&limit=1`)).text).items;
    expect(next.map((s: { streamId: string }) => s.streamId)).toEqual(ids.slice(1, 2));
    for (const bad of ['limit=0', 'limit=1001', 'after=%24all', 'colour=red'])
      expect((await f.get(`/history/streams?${bad}`)).status, bad).toBe(400);
  });

  it('answers a bad filter with a 400 problem naming it', async () => {
    const f = fixture();
    const bad: [query: string, path: string][] = [
      ['type=OrderPlacd', 'type.0'],
      ['type=', 'type.0'],
      ['from=2026-13-01', 'from'],
      ['from=2026-03-01T10:00:00', 'from'],
      ['to=last%20week', 'to'],
      ['from=2026-03-02&to=2026-03-01', 'to'],
      ['from=2026-03-01&to=2026-03-01', 'to'],
      ['after=-1', 'after'],
      ['after=12abc', 'after'],
      ['after=99999999999999999999', 'after'],
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['format=xml', 'format'],
      ['stream=', 'stream'],
      ['from=2026-03-01&from=2026-03-02', 'from'],
      ['colour=blue', '(root)'],
    ];
    for (const [query, path] of bad) {
      const answer = await f.get(`/history/events?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = JSON.parse(answer.text);
      expect(problem).toMatchObject({ status: 400, type: '/problems/validation-failed' });
      expect(
        problem.errors.map((e: { path: string }) => e.path),
        query,
      ).toContain(path);
    }
    const systemStream = await f.get('/history/streams/%24all');
    expect([systemStream.status, JSON.parse(systemStream.text).errors[0].path]).toEqual([400, 'streamId']);
    expect((await f.get('/history/streams/order-1?format=xml')).status).toBe(400);
  });
});
