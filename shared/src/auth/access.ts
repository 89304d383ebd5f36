import type { RequestHandler, Response } from 'express';
import { HttpProblem } from '../http/problem.js';
import type { ApiKeys } from './api-keys.js';
import type { Identity } from './identity.js';
import { looksLikeJwt, type JwtVerifier } from './jwt.js';
import { auditWhenAnswered, type AuditTrail } from '../audit/audit-request.js';
import { isOperatorAction, ruleFor } from './policy.js';

// The trust boundary of every API, in front of all but load shedding: browser origin and Host checks, the credentials, then
// the policy table. Handlers below read the caller with identityOf(res). The audit trail gets every refusal, every
// operator action, and every change an authenticated operator makes.

export interface AccessOptions {
  /** `none`: nobody is asked for credentials (only allowed on a loopback address, see accessFromConfig). */
  mode: 'checked' | 'none';
  keys?: ApiKeys;
  jwt?: JwtVerifier;
  /** Origins whose pages may call the API (CORS); a browser request from any other origin is refused. */
  corsOrigins?: readonly string[];
  /** The console's port (the projection API's) on the host this API is reached at: its pages may call it too. */
  consolePort?: () => number | undefined;
  /** Host header values (name or name:port) this service answers to; undefined: any. */
  allowedHosts?: readonly string[];
  /** Failed credentials one address may present per minute before it gets 429s (default 30). */
  failuresPerMinute?: number;
}

/** Everyone may do everything: AUTH=none, and tests that are about something else. */
export const NO_AUTH: AccessOptions = { mode: 'none' };

/** Answer headers a page may read: the documented ones beyond the CORS-safelisted few. */
const EXPOSED_HEADERS =
  'Location, Retry-After, X-Request-Id, X-Correlation-Id, X-Read-Position, X-Stale, X-Head-Position';

const UNCHECKED: Identity = { name: 'anonymous', role: 'operator' };

export function identityOf(res: Response): Identity {
  const identity = res.locals.identity as Identity | undefined;
  if (!identity) throw new Error('no identity: the access middleware did not run before this route');
  return identity;
}

const problem = (status: number, code: string, title: string, detail: string) =>
  new HttpProblem(status, code, title, detail);

/** Counts failures per address in one-minute windows; an address over the limit is refused before its check. */
function failureLimiter(perMinute: number) {
  let window = Math.floor(Date.now() / 60_000);
  let failures = new Map<string, number>();
  let refused = new Set<string>();
  const roll = () => {
    const now = Math.floor(Date.now() / 60_000);
    if (now !== window) [window, failures, refused] = [now, new Map(), new Set()];
  };
  return {
    blocked: (address: string) => (roll(), (failures.get(address) ?? 0) >= perMinute),
    failed: (address: string) => (roll(), failures.set(address, (failures.get(address) ?? 0) + 1)),
    /** True the first time an address is refused in this window. */
    firstRefusal(address: string) {
      if (refused.has(address)) return false;
      refused.add(address);
      return true;
    },
  };
}

export function accessControl(options: AccessOptions, audit?: AuditTrail): RequestHandler {
  const limiter = failureLimiter(options.failuresPerMinute ?? 30);
  const origins = new Set(options.corsOrigins ?? []);
  const hosts = options.allowedHosts && new Set(options.allowedHosts.map((host) => host.toLowerCase()));
  // The console is another port of the host the browser reached this API at (which the Host check has vetted).
  const fromConsole = (origin: string, protocol: string, host: string) => {
    const port = options.consolePort?.();
    const page = URL.parse(origin);
    return (
      port !== undefined &&
      page?.protocol === `${protocol}:` &&
      page.port === String(port) &&
      page.hostname === host.replace(/:\d+$/, '')
    );
  };

  const authenticate = async (header: string | undefined): Promise<Identity | undefined> => {
    const token = /^Bearer +(\S+)$/i.exec(header ?? '')?.[1];
    if (!token) return undefined;
    if (options.jwt && looksLikeJwt(token)) return options.jwt(token);
    return options.keys?.find(token);
  };

  return (req, res, next) => {
    const host = (req.headers.host ?? '').toLowerCase();
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 still sends Host: evil.example.
    if (hosts && !hosts.has(host) && !hosts.has(host.replace(/:\d+$/, ''))) {
      next(problem(421, 'unknown-host', 'Misdirected Request', `this service does not answer to the host "${host}"`));
      return;
    }
    const origin = req.headers.origin;
    // A page of this service itself (the API docs' "try it out") is not cross-origin: browsers send Origin on its POSTs.
    if (origin !== undefined && origin !== `${req.protocol}://${req.headers.host}`) {
      if (!origins.has(origin) && !fromConsole(origin, req.protocol, host)) {
        next(problem(403, 'origin-refused', 'Forbidden', `requests from pages of ${origin} are not allowed`));
        return;
      }
      res
        .vary('Origin')
        .set('Access-Control-Allow-Origin', origin)
        .set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      if (req.method === 'OPTIONS') {
        res
          .set('Access-Control-Allow-Methods', 'GET, POST, DELETE')
          .set(
            'Access-Control-Allow-Headers',
            'Authorization, Content-Type, Idempotency-Key, X-Correlation-Id, X-Min-Position, X-Actor',
          )
          .set('Access-Control-Max-Age', '600')
          .status(204)
          .end();
        return;
      }
    }
    const rule = ruleFor(req.method, req.path);
    // A route without a rule is closed: the same answer as a route that does not exist.
    if (!rule) {
      next(problem(404, 'not-found', 'Not Found', `no route for ${req.method} ${req.path}`));
      return;
    }
    if (rule.allow === 'open') {
      next();
      return;
    }
    const record = (identity: Identity | undefined) => audit && auditWhenAnswered(audit, req, res, rule.path, identity);
    if (options.mode === 'none') {
      res.locals.identity = UNCHECKED;
      if (isOperatorAction(rule)) record(UNCHECKED);
      next();
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    if (limiter.blocked(address)) {
      // Once per address and window: a flood of refused guesses makes one entry, not thousands.
      if (limiter.firstRefusal(address)) record(undefined);
      res.set('Retry-After', '60');
      next(problem(429, 'too-many-failures', 'Too Many Requests', 'too many failed credentials from this address'));
      return;
    }
    authenticate(req.headers.authorization).then(
      (identity) => {
        if (!identity) {
          limiter.failed(address);
          record(undefined);
          const reason = req.headers.authorization ? 'invalid credentials' : 'no credentials';
          res.set('WWW-Authenticate', 'Bearer realm="order-engine"');
          next(problem(401, 'unauthenticated', 'Unauthorized', `${reason}: send Authorization: Bearer <key or token>`));
          return;
        }
        if (!rule.allow.includes(identity.role)) {
          record(identity);
          next(problem(403, 'forbidden', 'Forbidden', `the ${identity.role} role may not ${req.method} ${rule.path}`));
          return;
        }
        res.locals.identity = identity;
        if (isOperatorAction(rule) || (identity.role === 'operator' && req.method !== 'GET')) record(identity);
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

/** For routes a customer may use on its own resources only: the customer's id, or undefined for other roles. */
export const ownCustomer = (res: Response): string | undefined => {
  const identity = identityOf(res);
  return identity.role === 'customer' ? identity.customerId : undefined;
};
