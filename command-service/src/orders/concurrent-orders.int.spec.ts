import { expect, it } from 'vitest';
import { onEveryDatabase } from '../testing/databases.js';
import { eventually } from '../testing/http.js';
import { availableAfterEachEvent, orderOf, productOf, registerProduct, sagaSettled } from '../testing/scenario.js';

onEveryDatabase('concurrent orders', (database) => {
  it('confirms exactly as many of 200 concurrent single-unit orders as there is stock, never going below zero', async () => {
    const { eventStore } = database();
    const service = await database().start();
    await registerProduct(service, 'SCARCE', 50);

    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        service.request('/orders', { body: { customerId: `c-${i}`, lines: [{ sku: 'SCARCE', quantity: 1 }] } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(200).fill(202));
    const orderIds = answers.map((answer) => answer.body.orderId as string);
    expect(new Set(orderIds).size).toBe(200);

    const statuses = await eventually(
      async () => {
        const all = await Promise.all(orderIds.map(async (orderId) => (await orderOf(eventStore, orderId)).status));
        return all.every((status) => status === 'confirmed' || status === 'rejected') ? all : undefined;
      },
      60_000,
      100,
    );
    await sagaSettled(service, eventStore);
    expect(statuses.filter((status) => status === 'confirmed')).toHaveLength(50);
    expect(statuses.filter((status) => status === 'rejected')).toHaveLength(150);

    const product = await productOf(eventStore, 'SCARCE');
    expect(product).toMatchObject({ onHand: 50 });
    expect(product.status !== 'none' && product.reservations.size).toBe(50);
    const available = await availableAfterEachEvent(eventStore, 'SCARCE');
    expect(available.at(-1)).toBe(0);
    expect(Math.min(...available)).toBe(0);
  });
});
