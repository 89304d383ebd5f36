import type { OpenApiDoc } from './openapi-doc.js';

// A small hand-written OpenAPI 3.1 document for the contract check's own tests: refs to every kind of component.

const ids = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };

export const exampleDoc: OpenApiDoc = {
  openapi: '3.1.0',
  info: { title: 'example', version: '1' },
  paths: {
    '/orders/{id}': {
      get: {
        responses: {
          200: {
            description: 'The order.',
            headers: { ...ids, 'X-Cache': { schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
          },
          404: { $ref: '#/components/responses/NotFound' },
          '5XX': { $ref: '#/components/responses/Unavailable' },
        },
      },
    },
    '/orders/{id}/pay': {
      post: {
        responses: {
          200: {
            description: 'Paid.',
            headers: { ...ids, 'Idempotent-Replayed': { required: false, schema: { const: 'true' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
          },
          204: { description: 'Already paid.', headers: ids },
        },
      },
    },
    '/orders/stats': {
      get: {
        responses: { 200: { description: 'Counts.', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
    '/history/events': {
      get: {
        responses: {
          200: {
            description: 'One event a line.',
            headers: ids,
            content: {
              'application/x-ndjson': { schema: { $ref: '#/components/schemas/Event' } },
              'text/csv': { schema: { type: 'string' } },
            },
          },
        },
      },
    },
    '/metrics': {
      get: {
        responses: { 200: { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
  },
  components: {
    schemas: {
      Order: {
        type: 'object',
        required: ['orderId', 'status', 'placedAt'],
        properties: {
          orderId: { type: 'string', format: 'uuid' },
          status: { enum: ['placed', 'paid'] },
          placedAt: { type: 'string', format: 'date-time' },
          note: { type: ['string', 'null'] },
          lines: { type: 'array', items: { $ref: '#/components/schemas/Line' } },
        },
        example: { orderId: '7f1c0a', status: 'placed' },
        discriminator: { propertyName: 'status' },
      },
      Line: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } },
      Event: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status'],
        properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' } },
      },
    },
    headers: { 'X-Request-Id': { required: true, schema: { type: 'string' } } },
    responses: {
      NotFound: {
        description: 'No such order.',
        headers: ids,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
      Unavailable: {
        description: 'Retry later.',
        headers: { ...ids, 'Retry-After': { schema: { type: 'string' } } },
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      },
    },
  },
};
