import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, finishApp } from '../http/app.js';
import { listen, type RunningServer } from '../http/listen.js';
import { silentLogger } from '../logging/logger.js';
import { apiKeys } from './api-keys.js';
import { jwtVerifier } from './jwt.js';

// Bearer JWTs through a real app: keys made by jose, served as a JWKS over HTTP by the test, as an OIDC provider would.

const issuer = 'https://id.example.test/';
const audience = 'order-engine';
let privateKey: CryptoKey;
let otherKey: CryptoKey;
let jwks: Server;
let api: RunningServer;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  const keys: JWK[] = [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }];
  jwks = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  const app = createApp('test', {
    access: { mode: 'checked', keys: apiKeys([]), jwt: jwtVerifier({ jwksUrl, issuer, audience }) },
  });
  app.get('/products', (_req, res) => res.json({ role: res.locals.identity.role, name: res.locals.identity.name }));
  app.get('/customers/:id/summary', (_req, res) => res.json(res.locals.identity));
  app.post('/products', (_req, res) => res.json({}));
  finishApp(app, silentLogger);
  api = await listen(app, { host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api?.close();
  jwks?.close();
});

const token = (
  claims: Record<string, unknown>,
  options: { key?: CryptoKey; exp?: string | number; iss?: string; aud?: string } = {},
) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject(String(claims.sub ?? 'ana'))
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? audience)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(options.key ?? privateKey);

const get = async (path: string, jwt: string, method = 'GET') => {
  const answer = await fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${jwt}` } });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
};

describe('JWT bearer tokens', () => {
  it("lets a valid token in with the role its claim names, and a customer's id from sub", async () => {
    expect(await get('/products', await token({ roles: ['analyst'] }))).toEqual({
      status: 200,
      body: { role: 'analyst', name: 'ana' },
    });
    expect(await get('/customers/alice/summary', await token({ sub: 'alice', roles: 'customer' }))).toEqual({
      status: 200,
      body: { name: 'alice', role: 'customer', customerId: 'alice' },
    });
    // An analyst may read the catalog but not write it.
    expect((await get('/products', await token({ roles: ['analyst'] }), 'POST')).status).toBe(403);
  });

  it('answers 401 to an expired token, a wrong audience, a wrong issuer, a foreign signature or no role', async () => {
    const refused = [
      await token({ roles: ['operator'] }, { exp: Math.floor(Date.now() / 1000) - 60 }),
      await token({ roles: ['operator'] }, { aud: 'another-api' }),
      await token({ roles: ['operator'] }, { iss: 'https://evil.example.test/' }),
      await token({ roles: ['operator'] }, { key: otherKey }),
      await token({ roles: ['superuser'] }),
    ];
    for (const jwt of refused) expect(await get('/products', jwt)).toMatchObject({ status: 401 });
  });
});
