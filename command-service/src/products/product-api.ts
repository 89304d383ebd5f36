import { z } from 'zod';
import {
  ChangePrice,
  HoldId,
  PlaceHold,
  Quantity,
  RegisterProduct,
  Restock,
  Sku,
  header,
  type ApiOperation,
} from '@order-engine/shared';
import { CommandAnswer } from '../http/command-answer.js';
import { CommandHeaders } from '../http/request-metadata.js';

// The catalog's command routes: what they parse (the domain commands' own data schemas, less what the path names, and
// strict, so an unknown field is a 400) and what they answer. Order reservations are the fulfilment saga's alone.

export const SkuParams = z.strictObject({ sku: Sku });
export const HoldParams = z.strictObject({ sku: Sku, holdId: HoldId });
export const RegisterBody = RegisterProduct.shape.data;
export const PriceBody = ChangePrice.shape.data.omit({ sku: true });
export const RestockBody = Restock.shape.data.omit({ sku: true });
export const HoldBody = PlaceHold.shape.data.omit({ sku: true }).partial({ holdId: true });
/** Commands without fields accept no body or an empty object. */
export const EmptyBody = z.strictObject({});

const ProductAnswer = CommandAnswer.extend({ sku: Sku }).meta({ id: 'ProductAnswer' });
const HoldAnswer = ProductAnswer.extend({
  holdId: HoldId,
  quantity: Quantity,
  reason: z.string(),
  alreadyHeld: z.boolean().meta({ description: 'The same hold (id and quantity) was placed before: nothing changed.' }),
}).meta({ id: 'HoldAnswer' });

const tag = 'catalog';
const location = { Location: header("The product's URL on the query API (`GET /products/{sku}`), where it is read.") };
const refused = {
  404: 'No such product.',
  409: 'The command breaks a rule of the product (discontinued, not enough stock, ...).',
  422: 'The request is well formed but cannot be carried out (a stock or price limit).',
};

export const productApi: readonly ApiOperation[] = [
  {
    method: 'post',
    path: '/products',
    operationId: 'registerProduct',
    summary: 'Register a product',
    tag,
    headers: CommandHeaders,
    body: { schema: RegisterBody },
    answers: {
      201: {
        description: 'Registered.',
        body: ProductAnswer,
        headers: location,
      },
    },
    refusals: { 409: 'A product with this sku exists.' },
  },
  {
    method: 'post',
    path: '/products/:sku/price',
    operationId: 'changePrice',
    summary: "Change a product's price",
    tag,
    params: SkuParams,
    headers: CommandHeaders,
    body: { schema: PriceBody },
    answers: {
      200: { description: 'Changed.', body: ProductAnswer.extend({ priceCents: PriceBody.shape.priceCents }) },
    },
    refusals: refused,
  },
  {
    method: 'post',
    path: '/products/:sku/restock',
    operationId: 'restock',
    summary: 'Add stock on hand',
    tag,
    params: SkuParams,
    headers: CommandHeaders,
    body: { schema: RestockBody },
    answers: { 200: { description: 'Restocked.', body: ProductAnswer.extend({ quantity: Quantity }) } },
    refusals: refused,
  },
  {
    method: 'post',
    path: '/products/:sku/holds',
    operationId: 'placeHold',
    summary: 'Hold stock back from orders',
    description:
      'Places an operator hold; the same hold (id and quantity) placed again is answered 200 and changes nothing.',
    tag,
    params: SkuParams,
    headers: CommandHeaders,
    body: { schema: HoldBody },
    answers: {
      201: { description: 'Held.', body: HoldAnswer },
      200: { description: 'This hold was placed before.', body: HoldAnswer },
    },
    refusals: refused,
  },
  {
    method: 'delete',
    path: '/products/:sku/holds/:holdId',
    operationId: 'releaseHold',
    summary: 'Release a hold',
    tag,
    params: HoldParams,
    headers: CommandHeaders,
    body: { schema: EmptyBody, optional: true },
    answers: {
      200: {
        description: 'Released (or already released: quantity 0).',
        body: ProductAnswer.extend({ holdId: HoldId, released: z.literal(true), quantity: z.int().min(0) }),
      },
    },
    refusals: refused,
  },
  {
    method: 'post',
    path: '/products/:sku/discontinue',
    operationId: 'discontinueProduct',
    summary: 'Discontinue a product',
    tag,
    params: SkuParams,
    headers: CommandHeaders,
    body: { schema: EmptyBody, optional: true },
    answers: {
      200: { description: 'Discontinued.', body: ProductAnswer.extend({ status: z.literal('discontinued') }) },
    },
    refusals: refused,
  },
];
