import { describe, expect, it } from 'vitest';
import { apiKeys, parseApiKeys, parseApiKeysFile, sha256 } from './api-keys.js';

describe('API keys', () => {
  const secret = 'a-secret-of-24-characters';

  it('finds the identity of a configured secret, and nobody for any other', () => {
    const keys = apiKeys(parseApiKeys(`ops:operator:${secret}, alice:customer:${secret}-2`));
    expect(keys.find(secret)).toEqual({ name: 'ops', role: 'operator' });
    expect(keys.find(`${secret}-2`)).toEqual({ name: 'alice', role: 'customer', customerId: 'alice' });
    expect(keys.find(`${secret}x`)).toBeUndefined();
    expect(keys.find('')).toBeUndefined();
  });

  it('reads a file of digests, so the file holds no secret', () => {
    const file = `# keys\nreports:analyst:${sha256(secret).toString('hex')}\n\n`;
    expect(apiKeys(parseApiKeysFile(file)).find(secret)).toEqual({ name: 'reports', role: 'analyst' });
  });

  it('refuses short secrets, unknown roles, bad names and names used twice, without echoing a secret', () => {
    expect(() => parseApiKeys('ops:operator:short')).toThrow(/16\+ characters/);
    expect(() => parseApiKeys(`ops:root:${secret}`)).toThrow(/unknown role "root"/);
    expect(() => parseApiKeys(`o p:operator:${secret}`)).toThrow(/key name/);
    expect(() => apiKeys(parseApiKeys(`ops:operator:${secret},ops:client:${secret}-2`))).toThrow(/twice/);
    expect(() => parseApiKeysFile('ops:operator:not-a-digest')).toThrow(/sha256-hex/);
    for (const bad of [`ops:root:${secret}`, `o p:operator:${secret}`])
      expect(() => parseApiKeys(bad)).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining(secret) }),
      );
  });
});
