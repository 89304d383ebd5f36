import type { Role } from './identity.js';

// Who may call what, for all three APIs: one table. A route missing here is answered 404 to everyone (and the
// policy test fails), so a new route is closed until it gets its line.

export interface Rule {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** `open`: no credentials asked (health, readiness, the API description). */
  allow: 'open' | readonly Role[];
  /**
   * The customer role is let through only for its own customer here; the route checks that (it alone knows the
   * order's or the body's customer) and answers another customer's resource as missing.
   */
  ownOnly?: true;
}

const everyone: readonly Role[] = ['operator', 'client', 'analyst', 'customer'];
const operator: readonly Role[] = ['operator'];
const operatorAnalyst: readonly Role[] = ['operator', 'analyst'];
const operatorClient: readonly Role[] = ['operator', 'client'];
const customerOwn: readonly Role[] = ['operator', 'client', 'customer'];

export const policy: readonly Rule[] = [
  { method: 'GET', path: '/health', allow: 'open' },
  { method: 'GET', path: '/ready', allow: 'open' },
  { method: 'GET', path: '/openapi.json', allow: 'open' },
  { method: 'GET', path: '/docs', allow: 'open' },
  { method: 'GET', path: '/docs/:asset', allow: 'open' },
  { method: 'GET', path: '/identity', allow: [...everyone, 'monitor'] },
  // Prometheus scrapes with a monitor key: it can read the metrics and nothing else. Analysts read them in the console.
  { method: 'GET', path: '/metrics', allow: ['operator', 'analyst', 'monitor'] },
  // command API: the catalog and stock holds
  { method: 'POST', path: '/products', allow: operator },
  { method: 'POST', path: '/products/:sku/price', allow: operator },
  { method: 'POST', path: '/products/:sku/restock', allow: operator },
  { method: 'POST', path: '/products/:sku/discontinue', allow: operator },
  { method: 'POST', path: '/products/:sku/holds', allow: operator },
  { method: 'DELETE', path: '/products/:sku/holds/:holdId', allow: operator },
  // command API: orders
  { method: 'POST', path: '/orders', allow: customerOwn, ownOnly: true },
  { method: 'POST', path: '/orders/:id/pay', allow: customerOwn, ownOnly: true },
  { method: 'POST', path: '/orders/:id/cancel', allow: customerOwn, ownOnly: true },
  { method: 'POST', path: '/orders/:id/ship', allow: operatorClient },
  { method: 'POST', path: '/orders/:id/deliver', allow: operatorClient },
  // query API
  { method: 'GET', path: '/products', allow: everyone },
  { method: 'GET', path: '/products/:sku', allow: everyone },
  { method: 'GET', path: '/orders/:id', allow: everyone, ownOnly: true },
  { method: 'GET', path: '/customers/:id/orders', allow: everyone, ownOnly: true },
  { method: 'GET', path: '/customers/:id/summary', allow: everyone, ownOnly: true },
  { method: 'GET', path: '/stats/sales', allow: operatorAnalyst },
  { method: 'GET', path: '/history/events', allow: operatorAnalyst },
  { method: 'GET', path: '/history/orders/:orderId', allow: operatorAnalyst },
  { method: 'GET', path: '/history/products/:sku', allow: operatorAnalyst },
  { method: 'GET', path: '/history/streams', allow: operatorAnalyst },
  { method: 'GET', path: '/history/streams/:streamId', allow: operatorAnalyst },
  // projection API
  { method: 'GET', path: '/projections', allow: operatorAnalyst },
  { method: 'GET', path: '/projections/:name/rebuilds/:jobId', allow: operatorAnalyst },
  { method: 'GET', path: '/projections/:name/dead-letters', allow: operatorAnalyst },
  { method: 'GET', path: '/projections/:name/dead-letters/:id', allow: operatorAnalyst },
  { method: 'POST', path: '/projections/:name/rebuild', allow: operator },
  { method: 'POST', path: '/projections/:name/dead-letters/:id/retry', allow: operator },
  { method: 'GET', path: '/audit', allow: operatorAnalyst },
  // the operator console's files: it signs in against the APIs themselves
  { method: 'GET', path: '/console', allow: 'open' },
  { method: 'GET', path: '/console/config.json', allow: 'open' },
  { method: 'GET', path: '/console/assets/:file', allow: 'open' },
];

/** Changes only an operator may make (catalog, holds, rebuilds, dead-letter retries): the audit log records each. */
export const isOperatorAction = (rule: Rule): boolean =>
  rule.method !== 'GET' && rule.allow !== 'open' && rule.allow.length === 1 && rule.allow[0] === 'operator';

// Indexed by method and first path segment (literal in every rule): a lookup tries the two or three rules that can
// match instead of the whole table, and every request makes one or two.
const firstSegment = (path: string) => path.split('/', 2)[1] ?? '';
const compiled = new Map<string, { rule: Rule; pattern: RegExp }[]>();
for (const rule of policy) {
  const key = `${rule.method} ${firstSegment(rule.path)}`;
  const pattern = new RegExp(`^${rule.path.replace(/:\w+/g, '[^/]+')}/?$`);
  compiled.set(key, [...(compiled.get(key) ?? []), { rule, pattern }]);
}

/** The rule for a request; HEAD is asked as GET. */
export function ruleFor(method: string, path: string): Rule | undefined {
  const asked = method === 'HEAD' ? 'GET' : method;
  return compiled.get(`${asked} ${firstSegment(path)}`)?.find(({ pattern }) => pattern.test(path))?.rule;
}
