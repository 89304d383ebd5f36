import { readFile } from 'node:fs/promises';
import { ConfigError, type EngineConfig } from '../config/config.js';
import type { AccessOptions } from './access.js';
import { apiKeys, parseApiKeys, parseApiKeysFile } from './api-keys.js';
import { jwtVerifier } from './jwt.js';

type AuthConfig = Pick<
  EngineConfig,
  | 'HOST'
  | 'AUTH'
  | 'API_KEYS'
  | 'API_KEYS_FILE'
  | 'JWT_JWKS_URL'
  | 'JWT_PUBLIC_KEY_FILE'
  | 'JWT_ISSUER'
  | 'JWT_AUDIENCE'
  | 'JWT_ROLES_CLAIM'
  | 'CORS_ORIGINS'
  | 'ALLOWED_HOSTS'
  | 'PROJECTION_PORT'
>;

export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** True when the configuration names anyone who could be let in. */
export const hasIdentities = (config: AuthConfig): boolean =>
  Boolean(config.API_KEYS || config.API_KEYS_FILE || config.JWT_JWKS_URL || config.JWT_PUBLIC_KEY_FILE);

/**
 * The access options a configuration asks for. Refuses AUTH=none off loopback, and a service bound elsewhere with
 * nobody configured (it would answer 401 to everyone, or worse, be mistaken for an open one).
 */
export async function accessFromConfig(config: AuthConfig): Promise<AccessOptions> {
  const loopback = isLoopback(config.HOST);
  // On loopback the Host header must name this machine: a page whose name resolves to 127.0.0.1 is refused.
  const allowedHosts =
    config.ALLOWED_HOSTS.length > 0
      ? config.ALLOWED_HOSTS
      : loopback
        ? ['localhost', '127.0.0.1', '[::1]', config.HOST]
        : undefined;
  const shared = {
    corsOrigins: config.CORS_ORIGINS,
    consolePort: () => config.PROJECTION_PORT,
    ...(allowedHosts ? { allowedHosts } : {}),
  };
  if (config.AUTH === 'none') {
    if (!loopback)
      throw new ConfigError([`AUTH: none is refused unless HOST is a loopback address (HOST is ${config.HOST})`]);
    return { mode: 'none', ...shared };
  }
  if (!hasIdentities(config) && !loopback)
    throw new ConfigError([
      `API_KEYS: nobody may call a service bound to ${config.HOST}: set API_KEYS, API_KEYS_FILE or JWT_JWKS_URL ` +
        '(or JWT_PUBLIC_KEY_FILE)',
    ]);
  const keys = [
    ...(config.API_KEYS ? parseApiKeys(config.API_KEYS) : []),
    ...(config.API_KEYS_FILE ? parseApiKeysFile(await readFile(config.API_KEYS_FILE, 'utf8')) : []),
  ];
  const jwt =
    config.JWT_JWKS_URL || config.JWT_PUBLIC_KEY_FILE
      ? jwtVerifier({
          ...(config.JWT_JWKS_URL
            ? { jwksUrl: config.JWT_JWKS_URL }
            : { publicKeyPem: await readFile(config.JWT_PUBLIC_KEY_FILE!, 'utf8') }),
          issuer: config.JWT_ISSUER!,
          audience: config.JWT_AUDIENCE!,
          rolesClaim: config.JWT_ROLES_CLAIM,
        })
      : undefined;
  return { mode: 'checked', keys: apiKeys(keys), ...(jwt ? { jwt } : {}), ...shared };
}
