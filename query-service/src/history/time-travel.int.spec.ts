import { freshName } from '@order-engine/shared/testing';
import { expect, it } from 'vitest';
import { describeOnEventStores, type HistoryFixture } from './testing/history-fixture.js';
import {
  cancelled,
  confirmed,
  lineReserved,
  placed,
  priceChanged,
  registered,
  stockAdded,
  stockReleased,
  stockReserved,
} from './testing/domain-events.js';

// GET /history/orders/:id and /history/products/:sku: the entity folded by its decider up to a time or a revision.

/** A lamp is registered and stocked; an order for two is placed, reserved, confirmed; the price goes up; the order is cancelled. */
async function cancelledOrderStory(f: HistoryFixture) {
  const sku = freshName('lamp');
  const orderId = freshName('o');
  const [stocked, placedAt, reservedAt, confirmedAt, repricedAt, cancelledAt] = await f.appendApart(
    [`product-${sku}`, [registered(sku, 2500), stockAdded(sku, 10)]],
    [`order-${orderId}`, [placed(orderId, sku, 2, 2500)]],
    [`product-${sku}`, [stockReserved(sku, orderId, 2)]],
    [`order-${orderId}`, [lineReserved(orderId, sku, 2), confirmed(orderId)]],
    [`product-${sku}`, [priceChanged(sku, 2700, 2500)]],
    [`order-${orderId}`, [cancelled(orderId)]],
    [`product-${sku}`, [stockReleased(sku, orderId, 2)]],
  );
  const time = (events: { recordedAt: Date }[] | undefined) => events!.at(-1)!.recordedAt;
  return {
    sku,
    orderId,
    times: {
      stocked: time(stocked),
      placed: time(placedAt),
      reserved: time(reservedAt),
      confirmed: time(confirmedAt),
      repriced: time(repricedAt),
      cancelled: time(cancelledAt),
    },
  };
}

const iso = (date: Date) => encodeURIComponent(date.toISOString());
const json = (answer: { text: string }) => JSON.parse(answer.text);

describeOnEventStores('time travel', (fixture) => {
  it('reads an order as confirmed between its confirmation and its cancellation, and as cancelled now', async () => {
    const f = fixture();
    const { orderId, times } = await cancelledOrderStory(f);

    const between = await f.get(`/history/orders/${orderId}?at=${iso(times.repriced)}`);
    expect(between.status).toBe(200);
    expect(json(between)).toMatchObject({
      streamId: `order-${orderId}`,
      revision: 2,
      state: { status: 'confirmed', orderId, totalCents: 5000 },
    });
    expect(json(await f.get(`/history/orders/${orderId}?at=${iso(times.confirmed)}`)).state.status).toBe('confirmed');
    expect(
      json(await f.get(`/history/orders/${orderId}?at=${iso(new Date(times.confirmed.getTime() - 1))}`)).state.status,
    ).toBe('placed');

    const now = json(await f.get(`/history/orders/${orderId}`));
    expect(now).toMatchObject({ revision: 3, state: { status: 'cancelled' } });
    expect(now.recordedAt).toBe(times.cancelled.toISOString());
  });

  it('reads an order at a revision', async () => {
    const f = fixture();
    const { orderId } = await cancelledOrderStory(f);
    const status = async (revision: number) =>
      json(await f.get(`/history/orders/${orderId}?revision=${revision}`)).state;
    expect(await status(0)).toMatchObject({ status: 'placed', reserved: [] });
    expect(await status(1)).toMatchObject({ status: 'placed', reserved: [expect.any(String)] });
    expect(await status(2)).toMatchObject({ status: 'confirmed' });
    expect(await status(3)).toMatchObject({ status: 'cancelled' });
  });

  it("reads a product's price and reservations as they were at a past time", async () => {
    const f = fixture();
    const { sku, orderId, times } = await cancelledOrderStory(f);
    const at = async (time: Date) => json(await f.get(`/history/products/${sku}?at=${iso(time)}`)).state;

    expect(await at(times.stocked)).toMatchObject({
      priceCents: 2500,
      onHand: 10,
      reservations: {},
      reserved: 0,
      available: 10,
    });
    expect(await at(times.reserved)).toMatchObject({
      priceCents: 2500,
      reservations: { [orderId]: 2 },
      reserved: 2,
      available: 8,
    });
    expect(await at(times.cancelled)).toMatchObject({ priceCents: 2700, reservations: { [orderId]: 2 }, available: 8 });
    const now = json(await f.get(`/history/products/${sku}`)).state;
    expect(now).toMatchObject({ status: 'active', priceCents: 2700, reservations: {}, reserved: 0, available: 10 });
    expect(now).not.toHaveProperty('settledOrders');
  });

  it('answers 404 for an unknown entity, and for one that did not exist yet at that time', async () => {
    const f = fixture();
    const { sku, orderId, times } = await cancelledOrderStory(f);
    for (const path of [
      `/history/orders/${freshName('nothing')}`,
      `/history/products/${freshName('nothing')}?at=2026-01-01`,
    ]) {
      const answer = await f.get(path);
      expect(answer.status).toBe(404);
      expect(json(answer)).toMatchObject({
        status: 404,
        type: '/problems/not-found',
        detail: expect.stringMatching(/does not exist/),
      });
    }
    const before = await f.get(`/history/orders/${orderId}?at=${iso(new Date(times.placed.getTime() - 1))}`);
    expect(before.status).toBe(404);
    expect(json(before).detail).toMatch(/did not exist yet at/);
    expect((await f.get(`/history/products/${sku}?at=2000-01-01T00:00:00Z`)).status).toBe(404);
  });

  it('answers 400 for a bad time or revision', async () => {
    const f = fixture();
    const { orderId, sku } = await cancelledOrderStory(f);
    const bad = [
      `/history/orders/${orderId}?at=yesterday`,
      `/history/orders/${orderId}?at=2026-02-30`,
      `/history/orders/${orderId}?at=2026-03-01T10:00:00`, // no zone
      `/history/orders/${orderId}?revision=-1`,
      `/history/orders/${orderId}?revision=1.5`,
      `/history/orders/${orderId}?revision=4`, // the stream ends at 3
      `/history/orders/${orderId}?revision=1&at=2026-03-01`,
      `/history/orders/${orderId}?when=now`,
      `/history/products/${sku}?at=2026-03-01&at=2026-03-02`,
      `/history/products/${sku}?revision=99`,
      `/history/products/not%20a%20sku`,
    ];
    for (const path of bad) {
      const answer = await f.get(path);
      expect(answer.status, path).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(json(answer).errors?.length, path).toBeGreaterThan(0);
    }
  });
});
