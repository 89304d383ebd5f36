import autocannon from 'autocannon';

// The load generator of the queries scenario, in its own process so it does not share the server's event loop:
// `node --import tsx load.ts '<LoadPlan as JSON>'`. Warms up, then measures, and prints autocannon's result as JSON.

export interface LoadPlan {
  /** Origin of the server, e.g. http://127.0.0.1:4321 */
  url: string;
  /** Paths requested in turn; each connection starts at its own offset, so every path is hot at once. */
  paths: string[];
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

const plan = JSON.parse(process.argv[2] ?? '') as LoadPlan;

const run = (duration: number) => {
  let connection = 0;
  return autocannon({
    url: plan.url,
    connections: plan.connections,
    duration,
    requests: [{ method: 'GET', path: plan.paths[0] }],
    setupClient: (client) => {
      const offset = Math.floor((connection++ * plan.paths.length) / plan.connections);
      const rotated = [...plan.paths.slice(offset), ...plan.paths.slice(0, offset)];
      client.setRequests(rotated.map((path) => ({ method: 'GET', path })));
    },
  });
};

await run(plan.warmupSeconds);
process.stdout.write(`${JSON.stringify(await run(plan.durationSeconds))}\n`);
