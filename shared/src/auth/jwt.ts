import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { RetryLater } from '../async/retry-later.js';
import { ROLES, type Identity, type Role } from './identity.js';

// Bearer JWTs from an OIDC provider (or any issuer): signature against its JWKS or one public key, issuer, audience
// and expiry checked by jose; the role from a claim (`roles` by default), and a customer's id from `sub`.

export interface JwtOptions {
  jwksUrl?: string;
  /** A PEM public key (SPKI), when there is no JWKS endpoint. */
  publicKeyPem?: string;
  issuer: string;
  audience: string;
  rolesClaim?: string;
}

export type JwtVerifier = (token: string) => Promise<Identity | undefined>;

/** The most powerful role a token names: a token that lists several acts with the first of ROLES it holds. */
const roleOf = (claim: unknown): Role | undefined => {
  const named = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/[\s,]+/) : [];
  return ROLES.find((role) => named.includes(role));
};

export function jwtVerifier(options: JwtOptions): JwtVerifier {
  const key: KeyObject | ReturnType<typeof createRemoteJWKSet> = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 3_000, cooldownDuration: 30_000 })
    : createPublicKey(options.publicKeyPem ?? '');
  const rolesClaim = options.rolesClaim ?? 'roles';
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], {
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 5,
      }));
    } catch (error) {
      // A JWKS endpoint that cannot be reached is an outage, not a bad token: a 503, and the client tries again.
      if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) return undefined;
      throw new RetryLater('identity-provider-unavailable', "the token issuer's keys cannot be fetched now");
    }
    const role = roleOf(payload[rolesClaim]);
    const name = payload.sub;
    if (!role || !name) return undefined;
    return role === 'customer' ? { name, role, customerId: name } : { name, role };
  };
}

/** Three base64url parts: worth verifying as a JWT rather than looking up as an API key. */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
