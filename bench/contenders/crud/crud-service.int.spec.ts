import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithService } from '@order-engine/shared/testing';
import { crudService, type CrudService } from './crud-service.js';

// The CRUD contender does what the engine does for an order, or its figures would flatter it: the stock it takes is
// guarded (never below zero, all lines or none), and the order reads back as stored.

describeWithService('DATABASE_URL', 'the CRUD contender on PostgreSQL', (databaseUrl) => {
  let service: CrudService;
  let server: Server;
  let url: string;
  const post = async (path: string, body: unknown) => {
    const answer = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };
  const stockOf = async (sku: string) =>
    ((await (await fetch(`${url}/products/${sku}`)).json()) as { stock: number }).stock;

  beforeAll(async () => {
    service = crudService(databaseUrl, `crud_${randomUUID().replaceAll('-', '').slice(0, 10)}`, 4);
    await service.migrate();
    server = service.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const sku of ['a', 'b']) {
      expect((await post('/products', { sku, name: sku, priceCents: 100 })).status).toBe(201);
      expect((await post(`/products/${sku}/restock`, { quantity: 3 })).status).toBe(200);
    }
  });
  afterAll(async () => {
    server?.close();
    await service?.close();
  });

  it('takes the stock of every line in one transaction and reads the order back', async () => {
    const placed = await post('/orders', {
      customerId: 'alice',
      lines: [
        { sku: 'b', quantity: 2 },
        { sku: 'a', quantity: 1 },
      ],
    });
    expect(placed.status).toBe(201);
    const order = await (await fetch(`${url}/orders/${String(placed.body.orderId)}`)).json();
    expect(order).toMatchObject({ customer_id: 'alice', status: 'confirmed', total_cents: '300' });
    expect([await stockOf('a'), await stockOf('b')]).toEqual([2, 1]);
  });

  it('refuses an order one line of which is short, and takes nothing for its other lines', async () => {
    const refused = await post('/orders', {
      customerId: 'bob',
      lines: [
        { sku: 'a', quantity: 1 },
        { sku: 'b', quantity: 5 },
      ],
    });
    expect(refused.status).toBe(409);
    expect([await stockOf('a'), await stockOf('b')]).toEqual([2, 1]);
    expect((await post('/orders', { customerId: 'bob', lines: [] })).status).toBe(400);
  });

  it('never sells more than it has, however many orders race for the last units', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post('/orders', { customerId: 'carol', lines: [{ sku: 'a', quantity: 1 }] })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(2);
    expect(await stockOf('a')).toBe(0);
  });
});
