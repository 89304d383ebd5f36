import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';

// Suites that need a real service run when its env var is set. Otherwise they are skipped with a clear
// message, unless REQUIRE_SERVICES=1 (CI), where a missing service fails the run instead.

export type ServiceVar = 'DATABASE_URL' | 'REDIS_URL' | 'KAFKA_BROKERS' | 'KAFKA_SASL_MECHANISM' | 'ESDB_URL';

const serviceNames: Record<ServiceVar, string> = {
  DATABASE_URL: 'PostgreSQL',
  REDIS_URL: 'Redis',
  KAFKA_BROKERS: 'Kafka',
  KAFKA_SASL_MECHANISM: 'Kafka with SASL and ACLs (scripts/kafka/kafka.sh)',
  ESDB_URL: 'EventStoreDB',
};

const reported = new Set<ServiceVar>();

/** The service's URL, or undefined (after saying why) when the suite must be skipped. */
export function serviceUrl(variable: ServiceVar, options: { optionalInCi?: boolean } = {}): string | undefined {
  const value = process.env[variable];
  if (value) return value;
  if (process.env.REQUIRE_SERVICES === '1' && !options.optionalInCi) {
    throw new Error(
      `REQUIRE_SERVICES=1 but ${variable} is not set: ${serviceNames[variable]} suites cannot run (npm run ` +
        `services:start prints the env vars)`,
    );
  }
  if (!reported.has(variable)) {
    reported.add(variable);
    console.warn(`[skipped] ${serviceNames[variable]} suites: set ${variable} to run them (npm run services:start)`);
  }
  return undefined;
}

/** describe() that runs only when the service is configured, and is reported as skipped otherwise. */
export function describeWithService(
  variable: ServiceVar,
  name: string,
  body: (url: string) => void,
  options: { optionalInCi?: boolean } = {},
): void {
  const url = serviceUrl(variable, options);
  if (url) describe(name, () => body(url));
  else describe.skip(`${name} (skipped: ${variable} not set)`, () => body(''));
}

/** Whether a command-line tool the tests drive is on PATH; if not, they are skipped with how to install it, or fail
 *  under REQUIRE_SERVICES=1 (CI). */
export function hasTool(command: string, install: string): boolean {
  const found = (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
  if (found) return true;
  const why = `${command} is not on PATH (${install})`;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1 but ${why}`);
  console.warn(`[skipped] tests that run ${command}: ${why}`);
  return false;
}
