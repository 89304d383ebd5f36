import { randomUUID } from 'node:crypto';

/** A fresh lowercase SQL-safe name per test (schemas, key prefixes, topics). */
export function freshName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}
