import { commandClient } from '@order-engine/client';
import type { Logger } from '@order-engine/shared';

// A small catalog and a few orders, so a newcomer's first `npm start` has something to look at.
const catalog = [
  { sku: 'espresso-machine', name: 'Espresso machine', category: 'kitchen', priceCents: 34_900, stock: 12 },
  { sku: 'coffee-grinder', name: 'Burr coffee grinder', category: 'kitchen', priceCents: 12_900, stock: 25 },
  { sku: 'kettle', name: 'Gooseneck kettle', category: 'kitchen', priceCents: 5_900, stock: 40 },
  { sku: 'desk-lamp', name: 'LED desk lamp', category: 'office', priceCents: 4_500, stock: 30 },
  { sku: 'notebook', name: 'Dotted notebook', category: 'office', priceCents: 1_200, stock: 200 },
  { sku: 'headphones', name: 'Noise-cancelling headphones', category: 'audio', priceCents: 24_900, stock: 8 },
  { sku: 'speaker', name: 'Bluetooth speaker', category: 'audio', priceCents: 7_900, stock: 0 },
];

const orders = [
  {
    customerId: 'alice',
    lines: [
      { sku: 'espresso-machine', quantity: 1 },
      { sku: 'coffee-grinder', quantity: 1 },
    ],
  },
  {
    customerId: 'bob',
    lines: [
      { sku: 'notebook', quantity: 5 },
      { sku: 'desk-lamp', quantity: 1 },
    ],
  },
  { customerId: 'alice', lines: [{ sku: 'headphones', quantity: 1 }] },
];

/** A refusal stops the seed, naming the request and the problem it was answered with. */
function check(request: string, { error, response }: { error?: unknown; response: Response }): void {
  if (response.status >= 400)
    throw new Error(`demo seed: ${request} answered ${response.status}: ${JSON.stringify(error)}`);
}

/** Seeds through the command API, exactly as an operator would (with its key, unless nothing is checked). */
export async function seedDemo(commandUrl: string, logger: Logger, key?: string): Promise<void> {
  const commands = commandClient(commandUrl, { token: key });
  for (const { stock, ...product } of catalog) {
    check(
      `POST /products (${product.sku})`,
      await commands.POST('/products', { body: { ...product, currency: 'EUR' } }),
    );
    if (stock > 0)
      check(
        `POST /products/${product.sku}/restock`,
        await commands.POST('/products/{sku}/restock', {
          params: { path: { sku: product.sku } },
          body: { quantity: stock },
        }),
      );
  }
  for (const order of orders)
    check(`POST /orders (${order.customerId})`, await commands.POST('/orders', { body: order }));
  logger.info('demo data seeded', { products: catalog.length, orders: orders.length });
}
