import { describe, expect, it } from 'vitest';
import { policy, ruleFor } from './policy.js';

describe('ruleFor', () => {
  it('finds every rule of the table by a path that fills its parameters', () => {
    for (const rule of policy) expect(ruleFor(rule.method, rule.path.replace(/:\w+/g, 'x-1'))).toBe(rule);
  });

  it('matches a trailing slash, asks HEAD as GET, and lets no parameter span a slash', () => {
    expect(ruleFor('GET', '/products/kettle/')?.path).toBe('/products/:sku');
    expect(ruleFor('HEAD', '/orders/o-1')?.path).toBe('/orders/:id');
    expect(ruleFor('GET', '/products/a/b')).toBeUndefined();
    expect(ruleFor('POST', '/products/kettle')).toBeUndefined();
    expect(ruleFor('GET', '/')).toBeUndefined();
    expect(ruleFor('GET', '//products/kettle')).toBeUndefined();
    expect(ruleFor('PUT', '/products')).toBeUndefined();
  });
});
