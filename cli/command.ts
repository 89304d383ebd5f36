import type { Writable } from 'node:stream';
import type { EventStore } from '@order-engine/shared';
import { ZodError } from 'zod';

// What every CLI command is and gets. A command is a module in commands/ exporting `command`, registered by one
// line in commands/index.ts; main.ts wires the process in, and specs pass their own streams and event store.

export interface CliContext {
  env: Record<string, string | undefined>;
  stdout: Writable;
  /** Progress and messages: stdout stays clean for data, so `cli ... > file` works. */
  stderr: Writable;
  /** Where relative paths are resolved: the directory `npm run` was started from. */
  cwd: string;
  /** Aborted on Ctrl-C: a command stops, closes what it opened and returns. */
  signal: AbortSignal;
  /** Opens the configured event store (EVENT_STORE and friends); close it when done. */
  openEventStore(): Promise<OpenedEventStore>;
}

export interface OpenedEventStore {
  store: EventStore;
  close(): Promise<void>;
}

export interface Command {
  /** One line for `cli help`. */
  summary: string;
  /** The full usage text, shown with `--help` and after a usage error. */
  usage: string;
  /** Resolves to the exit code (0 when nothing is returned). */
  run(args: string[], context: CliContext): Promise<number | void>;
}

/** The command line is wrong: the message and the usage are shown, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command could not do its job for a reason the user can act on: the message alone is shown, exit code 1. */
export class CliFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliFailure';
  }
}

/** Runs a parse, turning node's parseArgs errors and zod issues into a UsageError that names the option. */
export function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof ZodError) {
      throw new UsageError(
        error.issues
          .map((issue) => `${issue.path.length > 0 ? `--${String(issue.path[0])}` : 'options'}: ${issue.message}`)
          .join('\n'),
      );
    }
    if ((error as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS'))
      throw new UsageError((error as Error).message);
    throw error;
  }
}
