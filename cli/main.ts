import { runCli } from './run.js';
import { openConfiguredEventStore } from './event-store.js';

// `npm run cli -- <command> ...`: the CLI's composition root, and the only place it reads process.env.
// The first Ctrl-C asks the running command to stop cleanly (it closes the event store); a second one exits at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  process.once('SIGINT', () => process.exit(130));
});

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // npm runs scripts in the package root; INIT_CWD is where the user typed the command.
  cwd: process.env.INIT_CWD ?? process.cwd(),
  signal: interrupt.signal,
  openEventStore: () => openConfiguredEventStore(process.env),
});
process.exitCode = code;
