import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

// `npm run bench:profile -- <dir>`: where the main thread of each process that `BENCH_COMMANDS_PROFILE_DIR` profiled
// spent its time, by what spent it (Express, pg, zod, the engine's own folders...), as shares of its busy samples over
// its busiest 15 s (the measured window: the warm-up ramps up to it and the teardown idles). V8 samples wall time, so
// a share times the thread's CPU per order (the bench's "main thread" figure) is what it costs per order; time a
// thread waits for a core inside a system call (a `writev` that wakes its peer) is charged to that call.

interface CallFrame {
  functionName: string;
  url: string;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

const WINDOW_US = 15_000_000;

/** What a frame's time is charged to: a package, a folder of this repository, the runtime, or the collector. */
export function categoryOf({ functionName, url }: CallFrame): string {
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)') return functionName;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  const own = /\/(shared|command-service|projection-service|query-service|embedded|bench)\/(?:src\/)?([^/]+)/.exec(url);
  if (own) return own[1] === 'embedded' || own[1] === 'bench' ? own[1] : `${own[1]}/${own[2]!.replace(/\.ts$/, '')}`;
  // node:internal/streams/writable → node:internal/streams; a builtin (JSON, writev, microtasks) by its own name.
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url === '' ? `native ${functionName.startsWith('RegExp:') ? 'RegExp' : functionName || '(anonymous)'}` : url;
}

/** Sampled microseconds by category within the busiest window of the profile. */
export function busiestWindow(profile: Profile): Map<string, number> {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const at: number[] = [];
  let clock = 0;
  for (const delta of profile.timeDeltas) at.push((clock += delta));
  const busy = profile.samples.map((id, i) => {
    const name = byNode.get(id)?.functionName;
    return name === '(idle)' || name === '(program)' ? 0 : (profile.timeDeltas[i + 1] ?? 0);
  });
  // Two pointers over the samples: the window [start, end) of WINDOW_US with the most busy time.
  let best = { start: 0, end: 0, busy: -1 };
  for (let start = 0, end = 0, sum = 0; start < at.length; sum -= busy[start]!, start++) {
    while (end < at.length && at[end]! - at[start]! < WINDOW_US) sum += busy[end++]!;
    if (sum > best.busy) best = { start, end, busy: sum };
  }
  const spent = new Map<string, number>();
  for (let i = best.start; i < best.end; i++) {
    const category = categoryOf(byNode.get(profile.samples[i]!)!);
    spent.set(category, (spent.get(category) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  return spent;
}

/** The service a profile is of, from the entry script it ran (every service's is named main.ts). */
const roleOf = (profile: Profile): string | undefined =>
  profile.nodes
    .map(
      ({ callFrame }) =>
        /\/((?:command|projection|query)-service|embedded)\/(?:src\/)?main\.ts$/.exec(callFrame.url)?.[1],
    )
    .find((role) => role !== undefined);

async function main(): Promise<void> {
  const [dir] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: npm run bench:profile -- <profile dir>\n');
    process.exit(2);
  }
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile;
    const spent = busiestWindow(profile);
    const ranked = [...spent].filter(([name]) => !name.startsWith('(')).sort((a, b) => b[1] - a[1]);
    const total = ranked.reduce((sum, [, us]) => sum + us, 0);
    process.stdout.write(`\n${roleOf(profile) ?? file}: ${(total / 1e6).toFixed(1)} s busy in its busiest 15 s\n`);
    for (const [name, us] of ranked.slice(0, 14))
      process.stdout.write(`${((100 * us) / total).toFixed(1).padStart(6)} %  ${name}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
