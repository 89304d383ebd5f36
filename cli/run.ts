import { ConfigError, redactedError } from '@order-engine/shared';
import { CliFailure, UsageError, type CliContext, type Command } from './command.js';
import { commands } from './commands/index.js';

// The command router: `cli <command> [args...]`. Exit codes: 0 done, 1 failed, 2 bad command line, 130 interrupted.

export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    context.stderr.write(await overview());
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    context.stdout.write(await overview());
    return 0;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    context.stderr.write(`unknown command ${JSON.stringify(name)}\n\n${await overview()}`);
    return 2;
  }
  const { command } = await load();
  if (args.includes('--help') || args.includes('-h')) {
    context.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return run(command, args, context);
}

async function run(command: Command, args: string[], context: CliContext): Promise<number> {
  try {
    const code = (await command.run(args, context)) ?? 0;
    return context.signal.aborted && code === 0 ? 130 : code;
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr.write(`${error.message}\n\n${command.usage}\n`);
      return 2;
    }
    // Redacted: a driver's error may quote a connection string with its password.
    if (error instanceof CliFailure || error instanceof ConfigError) {
      context.stderr.write(`${redactedError(error)}\n`);
      return 1;
    }
    context.stderr.write(`${redactedError(error, { stack: true })}\n`);
    return 1;
  }
}

async function overview(): Promise<string> {
  const lines = await Promise.all(
    Object.entries(commands).map(async ([name, load]) => `  ${name.padEnd(12)} ${(await load()).command.summary}`),
  );
  return (
    `usage: npm run cli -- <command> [options]   (<command> --help for its ` +
    `options)\n\ncommands:\n${lines.join('\n')}\n`
  );
}
