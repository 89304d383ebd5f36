import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { Cents, Currency, HttpProblem, OrderId, Quantity, Sku, reservationOf, type ProductCommand, type StockReservationRejected } from '@order-engine/shared';
import type { CommandHandler, ProductResult } from '../handling/command-handler.js';
import { commandAnswer } from '../http/command-answer.js';
import { requestMetadata } from '../http/request-metadata.js';
import { recoveredEvents } from '../idempotency/idempotency-middleware.js';

// Path params and bodies are validated here, at the edge: strict objects, so an unknown field is a 400.
const SkuParams = z.strictObject({ sku: Sku });
const ReservationParams = z.strictObject({ sku: Sku, orderId: OrderId });
const RegisterBody = z.strictObject({
  sku: Sku,
  name: z.string().trim().min(1).max(200),
  category: z.string().trim().min(1).max(100),
  priceCents: Cents,
  currency: Currency,
});
const PriceBody = z.strictObject({ priceCents: Cents });
const RestockBody = z.strictObject({ quantity: Quantity });
const ReserveBody = z.strictObject({ orderId: OrderId, quantity: Quantity });
/** Commands without fields accept no body or an empty object. */
const EmptyBody = z.strictObject({});
const emptyBody = (body: unknown) => EmptyBody.parse(body ?? {});

const rejectionProblem = ({ data }: StockReservationRejected, answer: Record<string, unknown>): HttpProblem =>
  data.reason === 'discontinued'
    ? new HttpProblem(409, 'product-unavailable', 'Conflict', `product ${data.sku} is discontinued`, { ...data, ...answer })
    : new HttpProblem(409, 'insufficient-stock', 'Conflict', `product ${data.sku}: requested ${data.requested}, available ${data.available}`, {
        ...data,
        ...answer,
      });

export function productRoutes(commands: CommandHandler): Router {
  const router = Router();
  // A command whose earlier attempt appended (and lost its answer) is answered from those events, not run again.
  const execute = (req: Request, res: Response, command: ProductCommand): Promise<ProductResult> => {
    const recovered = recoveredEvents(res);
    return recovered ? commands.recoveredProduct(recovered) : commands.product(command, requestMetadata(req));
  };

  router.post('/products', async (req, res) => {
    const data = RegisterBody.parse(req.body);
    const result = await execute(req, res, { type: 'RegisterProduct', data });
    res.status(201).location(`/products/${data.sku}`).json(commandAnswer(result, { sku: data.sku }));
  });

  router.post('/products/:sku/price', async (req, res) => {
    const { sku } = SkuParams.parse(req.params);
    const { priceCents } = PriceBody.parse(req.body);
    const result = await execute(req, res, { type: 'ChangePrice', data: { sku, priceCents } });
    res.json(commandAnswer(result, { sku, priceCents }));
  });

  router.post('/products/:sku/restock', async (req, res) => {
    const { sku } = SkuParams.parse(req.params);
    const { quantity } = RestockBody.parse(req.body);
    const result = await execute(req, res, { type: 'Restock', data: { sku, quantity } });
    res.json(commandAnswer(result, { sku, quantity }));
  });

  router.post('/products/:sku/reservations', async (req, res) => {
    const { sku } = SkuParams.parse(req.params);
    const { orderId, quantity } = ReserveBody.parse(req.body);
    const result = await execute(req, res, { type: 'ReserveStock', data: { sku, orderId, quantity } });
    const [decided] = result.decided;
    // A refusal is recorded as an event (the saga reacts to it), and answered as a conflict that names its position.
    if (decided?.type === 'StockReservationRejected') throw rejectionProblem(decided, commandAnswer(result));
    const reserved = decided?.type === 'StockReserved';
    // Already reserved: answer the quantity held, which may differ from the one asked for now.
    const held = result.state.status === 'none' ? undefined : reservationOf(result.state, orderId);
    res
      .status(reserved ? 201 : 200)
      .location(`/products/${sku}/reservations/${orderId}`)
      .json(commandAnswer(result, { sku, orderId, quantity: held ?? quantity, alreadyReserved: !reserved }));
  });

  router.delete('/products/:sku/reservations/:orderId', async (req, res) => {
    const { sku, orderId } = ReservationParams.parse(req.params);
    emptyBody(req.body);
    const result = await execute(req, res, { type: 'ReleaseStock', data: { sku, orderId } });
    const [decided] = result.decided;
    const released = decided?.type === 'StockReleased' ? decided.data.quantity : 0;
    res.json(commandAnswer(result, { sku, orderId, released: released > 0, quantity: released }));
  });

  router.post('/products/:sku/discontinue', async (req, res) => {
    const { sku } = SkuParams.parse(req.params);
    emptyBody(req.body);
    const result = await execute(req, res, { type: 'DiscontinueProduct', data: { sku } });
    res.json(commandAnswer(result, { sku, status: 'discontinued' }));
  });

  return router;
}
