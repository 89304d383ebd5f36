import { parseArgs } from 'node:util';
import { projectionNames } from '@order-engine/shared';
import { CliFailure, usage, UsageError, type CliContext, type Command } from '../command.js';
import { count, progressLine } from '../progress.js';
import { projectionApi, type JobView } from '../projections/client.js';
import { duration, progressBar, statusTable, verifyReport } from '../projections/format.js';

// `projections rebuild` asks the projection service for a blue/green rebuild and follows it with a progress bar;
// `projections status` shows every projection's version, status and lag. Both talk to the service's HTTP API: the
// rebuild runs there (and goes on if this command is interrupted), not in the CLI's process.

const NAMES: readonly string[] = projectionNames;
const POLL_MS = 250;

const urlOption = { url: { type: 'string' }, token: { type: 'string' } } as const;

/** --url, else PROJECTION_URL, else the service's default address on this machine. */
const baseUrl = (url: string | undefined, env: CliContext['env']): string =>
  (url ?? env.PROJECTION_URL ?? `http://${env.HOST ?? '127.0.0.1'}:${env.PROJECTION_PORT ?? '3002'}`).replace(
    /\/+$/,
    '',
  );

/** --token, else ORDER_ENGINE_TOKEN, else OPERATOR_KEY (what `npm start` prints); none with AUTH=none. */
const tokenOf = (token: string | undefined, env: CliContext['env']): string | undefined =>
  token ?? env.ORDER_ENGINE_TOKEN ?? env.OPERATOR_KEY;

export const command: Command = {
  summary:
    'rebuild a projection blue/green with a progress bar (--verify compares it with the live one), or show status',
  usage: `usage:
  npm run cli -- projections rebuild <${NAMES.join('|')}> [--verify] [--url URL] [--token KEY]
  npm run cli -- projections status [--json] [--url URL] [--token KEY]

rebuild writes the projection's next version beside the live one from the event store, catches up, switches readers
to it and drops the old one, while queries go on. Progress (events done/total, events/s, ETA) goes to stderr; Ctrl-C
stops watching, not the rebuild. --verify compares the rebuilt rows with the live ones at the switch and prints the
differences. A rebuild of the same projection already running anywhere is refused.
URL is the projection service (default: PROJECTION_URL, else http://127.0.0.1:$PROJECTION_PORT or :3002). KEY is an
operator's API key or JWT (default: ORDER_ENGINE_TOKEN, else OPERATOR_KEY); status also takes an analyst's.`,
  async run(args, context) {
    const [action, ...rest] = args;
    if (action === 'rebuild') return rebuild(rest, context);
    if (action === 'status') return status(rest, context);
    throw new UsageError(
      action === undefined
        ? 'projections: say rebuild or status'
        : `projections: unknown action ${JSON.stringify(action)}`,
    );
  },
};

async function rebuild(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({ args, options: { ...urlOption, verify: { type: 'boolean' } }, allowPositionals: true, strict: true }),
  );
  const [name, ...extra] = positionals;
  if (name === undefined || !NAMES.includes(name) || extra.length > 0)
    throw new UsageError(`projections rebuild: name one projection (${NAMES.join(', ')})`);
  const url = baseUrl(values.url, context.env);
  const api = projectionApi(url, { token: tokenOf(values.token, context.env) });
  const started = await api.rebuild(name, values.verify === true);
  context.stderr.write(
    `${started.resumed ? 'resuming' : 'rebuilding'} ${name} v${started.fromVersion} → ` +
      `v${started.targetVersion}${started.verify ? ' (verify)' : ''}, job ${started.jobId}\n`,
  );
  const progress = progressLine(context.stderr);
  let job: JobView = started;
  while (job.status === 'running') {
    progress.update(() => progressBar(job));
    if (!(await pause(POLL_MS, context.signal))) {
      progress.done(
        `stopped watching; the rebuild goes on in the projection service (job ${job.jobId}): npm run cli -- ` +
          `projections status`,
      );
      return 130;
    }
    job = await api.job(name, job.jobId);
  }
  if (job.status === 'failed') throw new CliFailure(`rebuild of ${name} failed: ${job.error ?? 'unknown error'}`);
  const seconds = (Date.parse(job.finishedAt ?? new Date().toISOString()) - Date.parse(job.startedAt)) / 1_000;
  progress.done(
    progressBar({
      ...job,
      eventsPerSecond: seconds > 0 ? job.eventsDone / seconds : job.eventsPerSecond,
      etaSeconds: 0,
    }) +
      `\nrebuilt ${name} v${job.fromVersion} → v${job.targetVersion}: ` +
      `${count(job.eventsDone)} events in ${duration(seconds)}` +
      `${seconds > 0 ? ` (${count(job.eventsDone / seconds)} events/s)` : ''}; readers now use v${job.targetVersion}`,
  );
  if (job.result?.verify) context.stdout.write(verifyReport(job.result.verify));
  return 0;
}

async function status(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({ args, options: { ...urlOption, json: { type: 'boolean' } }, allowPositionals: true, strict: true }),
  );
  if (positionals.length > 0) throw new UsageError('projections status takes no arguments');
  const api = projectionApi(baseUrl(values.url, context.env), { token: tokenOf(values.token, context.env) });
  const statuses = await api.statuses();
  context.stdout.write(values.json ? `${JSON.stringify(statuses, null, 2)}\n` : statusTable(statuses));
  return 0;
}

/** Waits ms; false when the signal aborted first. */
const pause = (ms: number, signal: AbortSignal): Promise<boolean> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve(true);
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
