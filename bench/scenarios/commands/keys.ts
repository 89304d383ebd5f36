import { randomBytes } from 'node:crypto';

// The stacks run as they are deployed: every call carries an API key and is checked against the policy table. The
// catalog is seeded with an operator's key; orders are placed and read with a client's, as a shop's backend would.
// BENCH_AUTH=none runs them without checks instead, to measure what the checks cost.

const checked = process.env.BENCH_AUTH !== 'none';
const secrets = { operator: randomBytes(24).toString('hex'), client: randomBytes(24).toString('hex') };

/** The env every service of a stack gets. */
export const authEnv: Record<string, string> = checked
  ? { AUTH: 'keys', API_KEYS: `bench-operator:operator:${secrets.operator},bench-client:client:${secrets.client}` }
  : { AUTH: 'none' };

/** The headers a call as the role carries. */
export const as = (role: keyof typeof secrets): Record<string, string> =>
  checked ? { authorization: `Bearer ${secrets[role]}` } : {};

export const authMode = checked ? 'API keys' : 'none (BENCH_AUTH=none)';
