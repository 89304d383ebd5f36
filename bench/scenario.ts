// A benchmark scenario measures and returns named figures; bench/main.ts runs the scenarios asked for, prints a table
// and writes bench/results/latest.json. Benchmarks are not tests: they assert nothing, they report.

export interface Figure {
  /** e.g. 'export.events_per_s' */
  name: string;
  value: number;
  unit: string;
  /** What it is compared with, e.g. a target or a peer's figure. */
  note?: string;
}

export interface BenchContext {
  /** PostgreSQL URL, when the scenario needs a real server. */
  databaseUrl?: string;
  /** Progress lines on stderr. */
  log(message: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  /** Environment the scenario needs; it is skipped with a message when one is missing. */
  needs: readonly ('DATABASE_URL' | 'REDIS_URL' | 'KAFKA_BROKERS')[];
  /** Left out of a run of every scenario (it takes long): run when named, `npm run bench <name>`. */
  onlyWhenAsked?: boolean;
  run(context: BenchContext): Promise<Figure[]>;
}
