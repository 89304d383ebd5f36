import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure, Scenario } from './scenario.js';
import { scenarios } from './scenarios/index.js';

/** argv[2] of the process that runs one scenario for the run and prints its figures as JSON. */
const ONE_SCENARIO = '--one-scenario';

const log = (message: string) => process.stderr.write(`   ${message}\n`);

/**
 * Each scenario runs in a process of its own: the heap, connections and timers one leaves behind must not weigh on
 * the next one's figures (a 1M-event export measured after the others ran 30% slower in the same process).
 */
function runIsolated(scenario: Scenario): Promise<Figure[]> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), ONE_SCENARIO, scenario.name],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0 ? done(JSON.parse(out) as Figure[]) : fail(new Error(`scenario ${scenario.name} exited with ${code}`)),
    );
  });
}

async function runOne(name: string): Promise<void> {
  const scenario = scenarios.find((s) => s.name === name)!;
  const figures = await scenario.run({ databaseUrl: process.env.DATABASE_URL, log });
  // A scenario may leave a handle open (a pool's idle timer, say): the figures are out, so that must not hold the run.
  process.stdout.write(JSON.stringify(figures), () => process.exit(0));
}

// `npm run bench [scenario...]`: runs the named scenarios (all by default) on this machine, in one run.
async function main(): Promise<void> {
  if (process.argv[2] === ONE_SCENARIO) return runOne(process.argv[3]!);
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown scenario(s): ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}\n`,
    );
    process.exit(2);
  }
  const chosen =
    asked.length > 0 ? scenarios.filter((s) => asked.includes(s.name)) : scenarios.filter((s) => !s.onlyWhenAsked);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  const results: Record<string, Figure[] | { skipped: string }> = {};
  for (const scenario of chosen) {
    const missing = scenario.needs.filter((name) => !process.env[name]);
    if (missing.length > 0) {
      results[scenario.name] = { skipped: `set ${missing.join(', ')} (npm run services:start)` };
      process.stderr.write(`[skipped] ${scenario.name}: set ${missing.join(', ')}\n`);
      continue;
    }
    process.stderr.write(`\n== ${scenario.name}: ${scenario.description}\n`);
    results[scenario.name] = await runIsolated(scenario);
  }

  const rows = Object.entries(results).flatMap(([scenario, figures]) =>
    'skipped' in figures
      ? [[scenario, 'skipped', '', figures.skipped]]
      : figures.map((f) => [scenario, f.name, `${formatNumber(f.value)} ${f.unit}`, f.note ?? '']),
  );
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length), 8));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`\n${line(['scenario', 'figure', 'value', 'note'])}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`,
  );

  const out = resolve(import.meta.dirname, 'results/latest.json');
  await mkdir(resolve(import.meta.dirname, 'results'), { recursive: true });
  await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), machine, results }, null, 2)}\n`);
  process.stdout.write(`written: ${out}\n`);
}

const formatNumber = (value: number): string =>
  Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: 2 });

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
