import { describe, expect, it } from 'vitest';
import { diffStates } from './state-diff.js';

describe('diffStates', () => {
  it('finds nothing between equal states', () => {
    const state = { status: 'placed', lines: [{ sku: 'kettle', quantity: 1 }], reserved: [] };
    expect(diffStates(state, structuredClone(state))).toEqual([]);
  });

  it('names each changed, added and removed leaf by its path', () => {
    const placed = {
      status: 'placed',
      orderId: 'o-1',
      lines: [{ sku: 'kettle', quantity: 1 }],
      reserved: [],
      shipment: { carrier: 'dhl' },
    };
    const confirmed = {
      status: 'confirmed',
      orderId: 'o-1',
      lines: [{ sku: 'kettle', quantity: 2 }],
      reserved: ['kettle'],
      paidAt: '2026-03-01T12:00:00Z',
    };
    expect(diffStates(placed, confirmed)).toEqual([
      { path: 'lines[0].quantity', kind: 'changed', before: 1, after: 2 },
      { path: 'paidAt', kind: 'added', after: '2026-03-01T12:00:00Z' },
      { path: 'reserved[0]', kind: 'added', after: 'kettle' },
      { path: 'shipment', kind: 'removed', before: { carrier: 'dhl' } },
      { path: 'status', kind: 'changed', before: 'placed', after: 'confirmed' },
    ]);
  });

  it('walks maps keyed by id, such as a product’s holds', () => {
    const before = { onHand: 5, holds: { 'window-1': { quantity: 1, reason: 'shop window' } } };
    const after = {
      onHand: 5,
      holds: { 'window-1': { quantity: 2, reason: 'shop window' }, audit: { quantity: 1, reason: 'count' } },
    };
    expect(diffStates(before, after)).toEqual([
      { path: 'holds.audit', kind: 'added', after: { quantity: 1, reason: 'count' } },
      { path: 'holds.window-1.quantity', kind: 'changed', before: 1, after: 2 },
    ]);
  });

  it('orders array elements by index and reports a type change as one change', () => {
    const before = { list: Array.from({ length: 11 }, (_, i) => i), value: { a: 1 } };
    const after = { list: [...before.list.slice(0, 10), 99], value: 'a' };
    expect(diffStates(before, after)).toEqual([
      { path: 'list[10]', kind: 'changed', before: 10, after: 99 },
      { path: 'value', kind: 'changed', before: { a: 1 }, after: 'a' },
    ]);
  });

  it('compares whole states that are not objects', () => {
    expect(diffStates(null, { status: 'placed' })).toEqual([
      { path: '', kind: 'changed', before: null, after: { status: 'placed' } },
    ]);
  });
});
