import { createHash, timingSafeEqual } from 'node:crypto';
import { isRole, type Identity } from './identity.js';

// API keys: `name:role:secret` (API_KEYS) or `name:role:<sha256 of the secret, hex>` (API_KEYS_FILE, one a line).
// Only digests are kept; a presented secret is hashed and compared with every key in constant time.

interface StoredKey {
  identity: Identity;
  digest: Buffer;
}

export interface ApiKeys {
  readonly size: number;
  find(secret: string): Identity | undefined;
}

export const sha256 = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

const identityOf = (name: string, role: string, where: string): Identity => {
  if (!/^[\w.@-]{1,100}$/.test(name)) throw new Error(`${where}: key name "${name}" must be letters, digits, _.@-`);
  if (!isRole(role)) throw new Error(`${where}: key ${name} has an unknown role "${role}"`);
  // A customer key acts for the customer it is named after.
  return role === 'customer' ? { name, role, customerId: name } : { name, role };
};

/** Parses `name:role:secret,...`; secrets shorter than 16 characters are refused (they could be guessed). */
export function parseApiKeys(value: string, where = 'API_KEYS'): StoredKey[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [name = '', role = '', ...rest] = entry.split(':');
      const secret = rest.join(':');
      if (secret.length < 16)
        throw new Error(`${where}: the secret of key ${name || '(unnamed)'} needs 16+ characters`);
      return { identity: identityOf(name, role, where), digest: sha256(secret) };
    });
}

/** Parses a keys file: `name:role:sha256hex` a line; blank lines and `#` comments are skipped. */
export function parseApiKeysFile(text: string, where = 'API_KEYS_FILE'): StoredKey[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line, index) => {
      const [name = '', role = '', digest = ''] = line.split(':');
      if (!/^[0-9a-f]{64}$/i.test(digest)) throw new Error(`${where} line ${index + 1}: expected name:role:sha256-hex`);
      return { identity: identityOf(name, role, where), digest: Buffer.from(digest, 'hex') };
    });
}

export function apiKeys(keys: readonly StoredKey[]): ApiKeys {
  const names = new Set<string>();
  for (const { identity } of keys) {
    if (names.has(identity.name)) throw new Error(`API key ${identity.name} is configured twice`);
    names.add(identity.name);
  }
  return {
    size: keys.length,
    find(secret) {
      const digest = sha256(secret);
      let found: Identity | undefined;
      // Every key is compared, so the time taken says nothing about which key (if any) came close.
      for (const key of keys) if (timingSafeEqual(digest, key.digest)) found = key.identity;
      return found;
    },
  };
}
