import { describe, expect, it } from 'vitest';
import { BodyTooDeep, canonicalJson, requestFingerprint } from './fingerprint.js';

describe('request fingerprint', () => {
  it('does not depend on the order of object keys', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(requestFingerprint('POST', '/orders', { a: 1, b: 2 })).toBe(
      requestFingerprint('POST', '/orders', { b: 2, a: 1 }),
    );
  });

  it('differs with the method, the path or the body', () => {
    const base = requestFingerprint('POST', '/products/a/restock', { quantity: 1 });
    expect(requestFingerprint('DELETE', '/products/a/restock', { quantity: 1 })).not.toBe(base);
    expect(requestFingerprint('POST', '/products/b/restock', { quantity: 1 })).not.toBe(base);
    expect(requestFingerprint('POST', '/products/a/restock', { quantity: 2 })).not.toBe(base);
  });

  it('treats a missing body as null', () => {
    expect(requestFingerprint('POST', '/x', undefined)).toBe(requestFingerprint('POST', '/x', null));
  });
});

describe('a deeply nested body', () => {
  it('is refused instead of overflowing the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(() => requestFingerprint('POST', '/x', deep)).toThrow(BodyTooDeep);
  });
});
