import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { EventStore } from '@order-engine/shared';
import type { CliContext } from './command.js';
import { runCli } from './run.js';

// Runs the CLI in-process against a given event store, capturing stdout and stderr, for specs.

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Whether the command opened the event store, and whether it closed it again. */
  opened: boolean;
  closed: boolean;
}

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** A fresh directory for files a spec writes (relative paths resolve there). */
export const scratchDirectory = (): string => mkdtempSync(join(tmpdir(), 'order-engine-cli-'));

export async function runWith(
  argv: string[],
  options: {
    store?: EventStore;
    cwd?: string;
    signal?: AbortSignal;
    openEventStore?: CliContext['openEventStore'];
    /** The environment the command sees (default: none). */
    env?: CliContext['env'];
  } = {},
): Promise<CliRun> {
  const stdout = capture();
  const stderr = capture();
  const state = { opened: false, closed: false };
  const code = await runCli(argv, {
    env: options.env ?? {},
    stdout: stdout.stream,
    stderr: stderr.stream,
    cwd: options.cwd ?? scratchDirectory(),
    signal: options.signal ?? new AbortController().signal,
    openEventStore:
      options.openEventStore ??
      (async () => {
        if (!options.store) throw new Error('this command was not expected to open the event store');
        state.opened = true;
        // The store belongs to the spec: closing it here would end it for the next run.
        return { store: options.store, close: async () => void (state.closed = true) };
      }),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text(), ...state };
}
