import autocannon, { type Result } from 'autocannon';

// The load generator of the queries scenario, in its own process so it does not share the servers' event loop:
// `node --import tsx load.ts '<LoadPlan as JSON>'`. Prints autocannon's result for each target as JSON, by name.

export interface LoadPlan {
  /** Origins of the servers under test by name, e.g. { bare_express: 'http://127.0.0.1:4321' }. */
  targets: Record<string, string>;
  /** Paths requested in turn; each connection starts at its own offset, so every path is hot at once. */
  paths: string[];
  connections: number;
  /** Each target alone, before anything is measured. */
  warmupSeconds: number;
  /**
   * The targets are loaded one at a time for sliceSeconds each, in turn, `rounds` times: when the machine gets busier
   * or quieter meanwhile (other benchmarks), every target gets its share of both, so their ratios stay fair.
   */
  sliceSeconds: number;
  rounds: number;
}

const plan = JSON.parse(process.argv[2] ?? '') as LoadPlan;

// In autocannon's API but not in @types/autocannon: adds raw results (skipAggregateResult) up into one.
const { aggregateResult } = autocannon as unknown as {
  aggregateResult(results: Result[], options: { url: string; connections: number }): Result;
};

const load = (url: string, duration: number) => {
  let connection = 0;
  return autocannon({
    url,
    connections: plan.connections,
    duration,
    // Raw results, histograms included, so the slices of one target add up to exact percentiles below.
    skipAggregateResult: true,
    requests: [{ method: 'GET', path: plan.paths[0] }],
    setupClient: (client) => {
      const offset = Math.floor((connection++ * plan.paths.length) / plan.connections);
      const rotated = [...plan.paths.slice(offset), ...plan.paths.slice(0, offset)];
      client.setRequests(rotated.map((path) => ({ method: 'GET', path })));
    },
  });
};

const targets = Object.entries(plan.targets);
for (const [, url] of targets) await load(url, plan.warmupSeconds);
const slices = new Map<string, Result[]>(targets.map(([name]) => [name, []]));
// There and back (a b c, c b a, a b c…): what one server leaves to its successor (garbage to collect, warm caches in
// PostgreSQL or Redis) lands on each target from both sides, and never from the uncached one on the bare handler.
for (let round = 0; round < plan.rounds; round++) {
  for (const [name, url] of round % 2 === 0 ? targets : [...targets].reverse())
    slices.get(name)!.push(await load(url, plan.sliceSeconds));
}
const results = Object.fromEntries(
  targets.map(([name, url]) => {
    const parts = slices.get(name)!;
    // aggregateResult keeps the first slice's duration: the whole is the sum of the slices.
    return [
      name,
      {
        ...aggregateResult(parts, { url, connections: plan.connections }),
        duration: parts.reduce((sum, part) => sum + part.duration, 0),
      },
    ];
  }),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
