import { describeApi, header, type OpenApiDocument } from '@order-engine/shared';
import { orderApi } from '../orders/order-api.js';
import { productApi } from '../products/product-api.js';

/** The command API's OpenAPI document: served at /openapi.json, and the source of the typed client. */
export const commandApi = (): OpenApiDocument =>
  describeApi({
    title: 'Order engine: command API',
    description:
      'Commands for the catalog and orders. Each is validated, decided against its stream and appended with ' +
      'optimistic concurrency; its answer names the global position of its last event, which a query sent with ' +
      'X-Min-Position waits for. Every refusal is an RFC 9457 problem (application/problem+json).',
    tags: [
      { name: 'catalog', description: 'Products, prices, stock and operator holds.' },
      { name: 'orders', description: 'Placing orders and moving them along.' },
    ],
    operations: [...productApi, ...orderApi],
    answerHeaders: {
      'Idempotent-Replayed': header(
        'true when the answer is that of an earlier request with the same Idempotency-Key.',
      ),
    },
  });
