import { describe, expect, it } from 'vitest';
import { actionsOf, auditQuery, PAGE_SIZE } from './audit-query.js';

describe('actionsOf', () => {
  it('lists each method and route once, by route', () => {
    const entries = [
      { method: 'POST', route: '/products/:sku/price' },
      { method: 'POST', route: '/orders' },
      { method: 'DELETE', route: '/products/:sku/holds/:holdId' },
      { method: 'POST', route: '/orders' },
    ];
    expect(actionsOf(entries)).toEqual([
      'POST /orders',
      'DELETE /products/:sku/holds/:holdId',
      'POST /products/:sku/price',
    ]);
  });
});

describe('auditQuery', () => {
  it('asks for a page without filters', () => {
    expect(auditQuery({ action: '', actor: ' ' })).toEqual({ limit: PAGE_SIZE });
  });

  it('sends the action as method and route, the actor trimmed, and the page’s cursor', () => {
    expect(auditQuery({ action: 'POST /products/:sku/price', actor: ' ops ' }, '41')).toEqual({
      limit: PAGE_SIZE,
      method: 'POST',
      route: '/products/:sku/price',
      actor: 'ops',
      before: '41',
    });
  });

  it('drops an action with a method the API does not filter on', () => {
    expect(auditQuery({ action: 'PATCH /orders', actor: '' })).toEqual({ limit: PAGE_SIZE });
  });
});
