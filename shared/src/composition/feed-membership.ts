import type { ReadinessCheck } from '../http/readiness.js';

// Which of a process's Kafka feeds are members of their consumer groups now, for GET /ready: a consumer that is not
// a member (still joining, or its consumer failed and it is backing off) reads nothing.

export interface FeedMembership {
  /** What the feed named `name` (as given to feedFor) reports its membership to. */
  reporter(name: string): (member: boolean) => void;
  /** A readiness check that fails naming the feeds, among those `expected` now, that are not members. */
  check(expected: () => readonly string[]): ReadinessCheck;
}

export function feedMembership(): FeedMembership {
  const members = new Set<string>();
  return {
    reporter: (name) => (member) => {
      if (member) members.add(name);
      else members.delete(name);
    },
    check: (expected) => () => {
      const missing = expected().filter((name) => !members.has(name));
      if (missing.length > 0) throw new Error(`not a member of its consumer group: ${missing.join(', ')}`);
    },
  };
}
