import { Router, type Request, type Response } from 'express';
import type { ProductCommand } from '@order-engine/shared';
import type { CommandHandler, ProductResult } from '../handling/command-handler.js';
import { commandAnswer } from '../http/command-answer.js';
import { requestMetadata } from '../http/request-metadata.js';
import { readLocation, type QueryUrl } from '../http/read-location.js';
import { recoveredEvents } from '../idempotency/idempotency-middleware.js';
import { EmptyBody, HoldBody, HoldParams, PriceBody, RegisterBody, RestockBody, SkuParams } from './product-api.js';

const emptyBody = (body: unknown) => EmptyBody.parse(body ?? {});

export function productRoutes(commands: CommandHandler, newId: () => string, queryUrl: QueryUrl): Router {
  const router = Router();
  // A command whose earlier attempt appended (and lost its answer) is answered from those events, not run again.
  const execute = (req: Request, res: Response, command: ProductCommand): Promise<ProductResult> => {
    const recovered = recoveredEvents(res);
    return recovered ? commands.recoveredProduct(recovered) : commands.product(command, requestMetadata(req, res));
  };

  router.post('/products', async (req, res) => {
    const data = RegisterBody.parse(req.body);
    const result = await execute(req, res, { type: 'RegisterProduct', data });
    res
      .status(201)
      .location(readLocation(queryUrl, req, `/products/${encodeURIComponent(data.sku)}`))
      .json(commandAnswer(result, { sku: data.sku }));
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

  // 201 when the hold is new, 200 when the same hold (id and quantity) was already placed: a retry is harmless.
  router.post('/products/:sku/holds', async (req, res) => {
    const { sku } = SkuParams.parse(req.params);
    const { holdId: asked = newId(), quantity, reason } = HoldBody.parse(req.body);
    const result = await execute(req, res, { type: 'PlaceHold', data: { sku, holdId: asked, quantity, reason } });
    const [placed] = result.decided;
    // A recovered answer names the id its first attempt made.
    const holdId = placed?.type === 'StockHeld' ? placed.data.holdId : asked;
    // No Location: a hold is not read on its own (the product's `held` counts it).
    res.status(placed ? 201 : 200).json(commandAnswer(result, { sku, holdId, quantity, reason, alreadyHeld: !placed }));
  });

  router.delete('/products/:sku/holds/:holdId', async (req, res) => {
    const { sku, holdId } = HoldParams.parse(req.params);
    emptyBody(req.body);
    const result = await execute(req, res, { type: 'ReleaseHold', data: { sku, holdId } });
    const [decided] = result.decided;
    res.json(
      commandAnswer(result, {
        sku,
        holdId,
        released: true,
        quantity: decided?.type === 'StockHoldReleased' ? decided.data.quantity : 0,
      }),
    );
  });

  router.post('/products/:sku/discontinue', async (req, res) => {
    const { sku } = SkuParams.parse(req.params);
    emptyBody(req.body);
    const result = await execute(req, res, { type: 'DiscontinueProduct', data: { sku } });
    res.json(commandAnswer(result, { sku, status: 'discontinued' }));
  });

  return router;
}
