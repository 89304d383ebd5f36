import { describeApi, type OpenApiDocument } from '@order-engine/shared';
import { catalogApi } from './catalog/catalog-api.js';
import { readAnswerHeaders } from './consistency/read-position-api.js';
import { entityReadApi } from './entity-routes.js';
import { historyApi } from './history/history-api.js';
import { ordersApi } from './orders/orders-api.js';
import { statsApi } from './stats/stats-api.js';

/** The query API's OpenAPI document: served at /openapi.json, and the source of the typed client. */
export const queryApi = (): OpenApiDocument =>
  describeApi({
    title: 'Order engine: query API',
    description:
      'Reads of the read models the projections keep (products, orders, customer summaries, sales), cache first ' +
      'where a read is of one view, and the history of the event store itself (exports and time travel). The read ' +
      'models follow the commands asynchronously: a read sent with X-Min-Position (the position a command answered ' +
      'with) waits, bounded, until it reflects that write. Every refusal is an RFC 9457 problem ' +
      '(application/problem+json).',
    tags: [
      { name: 'catalog', description: 'Products, prices and stock.' },
      { name: 'orders', description: 'Orders, one at a time or a customer’s, a page at a time.' },
      { name: 'customers', description: 'What each customer has ordered and paid.' },
      { name: 'stats', description: 'Sales per day, product and currency.' },
      { name: 'history', description: 'The event store itself: exports of events, and entities as they were.' },
    ],
    operations: [...entityReadApi, ...catalogApi, ...ordersApi, ...statsApi, ...historyApi],
    answerHeaders: readAnswerHeaders,
  });
