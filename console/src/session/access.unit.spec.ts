import { describe, expect, it } from 'vitest';
import { consoleAccess } from './access.js';

describe('consoleAccess', () => {
  it('lets operators in, and analysts read-only', () => {
    expect(consoleAccess({ name: 'ops', role: 'operator' })).toEqual({ allowed: true, readOnly: false });
    expect(consoleAccess({ name: 'ann', role: 'analyst' })).toEqual({ allowed: true, readOnly: true });
  });

  it('turns every other role away, naming it', () => {
    expect(consoleAccess({ name: 'shop', role: 'client' })).toEqual({
      allowed: false,
      reason: 'This is a client key: the console needs an operator or analyst identity.',
    });
    for (const role of ['customer', 'monitor'] as const)
      expect(consoleAccess({ name: 'x', role, customerId: 'alice' }).allowed).toBe(false);
  });
});
