import { randomUUID } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import pg from 'pg';
import { assertIdentifier } from '@order-engine/shared';

// The service a team would write instead of the engine: Express 5 and pg, one table per thing, and an order as one
// transaction (a guarded UPDATE of each product's stock, an INSERT of the order and its lines). No events, no
// projections, no cache: what it answers is what it stored. The commands benchmark drives it like the engine.

export interface CrudService {
  app: express.Express;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

interface Line {
  sku: string;
  quantity: number;
}

class OutOfStock extends Error {}

const isLines = (value: unknown): value is Line[] =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every(
    (line: Partial<Line>) =>
      typeof line?.sku === 'string' && Number.isInteger(line.quantity) && (line.quantity ?? 0) > 0,
  );

export function crudService(databaseUrl: string, schema: string, connections = 24): CrudService {
  assertIdentifier(schema);
  // Connections stay open between bursts, as a service's pool is sized to; their CPU is counted per process.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: connections, idleTimeoutMillis: 0 });
  const app = express();
  app.use(express.json());

  app.post('/products', async (req: Request, res: Response) => {
    const { sku, name, priceCents } = req.body as { sku: string; name: string; priceCents: number };
    await pool.query(`insert into ${schema}.products (sku, name, price_cents, stock) values ($1, $2, $3, 0)`, [
      sku,
      name,
      priceCents,
    ]);
    res.status(201).json({ sku });
  });

  app.post('/products/:sku/restock', async (req: Request<{ sku: string }>, res: Response) => {
    const { quantity } = req.body as { quantity: number };
    const { rowCount } = await pool.query(`update ${schema}.products set stock = stock + $2 where sku = $1`, [
      req.params.sku,
      quantity,
    ]);
    res.status(rowCount === 1 ? 200 : 404).json({ sku: req.params.sku });
  });

  app.get('/products/:sku', async (req: Request<{ sku: string }>, res: Response) => {
    const { rows } = await pool.query(`select sku, name, price_cents, stock from ${schema}.products where sku = $1`, [
      req.params.sku,
    ]);
    if (rows.length === 0) res.status(404).json({ status: 404 });
    else res.json(rows[0]);
  });

  app.post('/orders', async (req: Request, res: Response) => {
    const { customerId, lines } = req.body as { customerId: unknown; lines: unknown };
    if (typeof customerId !== 'string' || !isLines(lines)) {
      res.status(400).json({ status: 400, title: 'Bad Request' });
      return;
    }
    const orderId = randomUUID();
    const client = await pool.connect();
    try {
      await client.query('begin');
      let totalCents = 0;
      // In sku order, so that two orders of the same products lock them in the same order (no deadlock).
      for (const line of [...lines].sort((a, b) => (a.sku < b.sku ? -1 : 1))) {
        const { rows } = await client.query<{ price_cents: number }>(
          `update ${schema}.products set stock = stock - $2 where sku = $1 and stock >= $2 returning price_cents`,
          [line.sku, line.quantity],
        );
        if (rows.length === 0) throw new OutOfStock(line.sku);
        totalCents += rows[0]!.price_cents * line.quantity;
      }
      await client.query(
        `insert into ${schema}.orders (order_id, customer_id, status, total_cents) values ($1, $2, 'confirmed', $3)`,
        [orderId, customerId, totalCents],
      );
      await client.query(
        `insert into ${schema}.order_lines (order_id, sku, quantity)
           select $1, sku, quantity from jsonb_to_recordset($2::jsonb) as l(sku text, quantity int)`,
        [orderId, JSON.stringify(lines)],
      );
      await client.query('commit');
      res.status(201).json({ orderId, status: 'confirmed', position: '0' });
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      if (!(error instanceof OutOfStock)) throw error;
      res.status(409).json({ status: 409, title: 'Conflict', detail: `not enough stock of ${error.message}` });
    } finally {
      client.release();
    }
  });

  app.get('/orders/:id', async (req: Request<{ id: string }>, res: Response) => {
    const { rows } = await pool.query(
      `select o.order_id, o.customer_id, o.status, o.total_cents,
              jsonb_agg(jsonb_build_object('sku', l.sku, 'quantity', l.quantity)) as lines
         from ${schema}.orders o join ${schema}.order_lines l using (order_id)
        where o.order_id = $1 group by o.order_id`,
      [req.params.id],
    );
    if (rows.length === 0) res.status(404).json({ status: 404 });
    else res.json(rows[0]);
  });

  return {
    app,
    async migrate() {
      await pool.query(`
        create schema if not exists ${schema};
        create table if not exists ${schema}.products (
          sku text primary key, name text not null, price_cents int not null, stock int not null check (stock >= 0));
        create table if not exists ${schema}.orders (
          order_id uuid primary key, customer_id text not null, status text not null, total_cents bigint not null,
          placed_at timestamptz not null default now());
        create table if not exists ${schema}.order_lines (
          order_id uuid not null references ${schema}.orders, sku text not null references ${schema}.products,
          quantity int not null, primary key (order_id, sku));`);
    },
    async close() {
      await pool.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      await pool.end();
    },
  };
}
