import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { OrderId, Sku } from '@order-engine/shared';
import {
  EventsQuery,
  orderAt,
  pagesOfAll,
  PointQuery,
  productAt,
  writeEvents,
  type TimeTravel,
  type WriteOutcome,
} from '../../query-service/src/history/index.js';
import { CliFailure, usage, UsageError, type CliContext, type Command } from '../command.js';
import { progressLine, rate, through } from '../progress.js';
import { rangeOptions } from './range-options.js';

// `history export` writes a slice of $all as NDJSON or CSV; `history show` prints an order or a product as it was.
// Both use the query service's history code, so the CLI and GET /history/... answer alike.

export const command: Command = {
  summary: 'export history as NDJSON or CSV, or show an order or a product as it was at a time',
  usage: `usage:
  npm run cli -- history export [--type TYPE]... [--stream PREFIX] [--from TIME] [--to TIME] [--after POSITION]
                                [--limit N] [--format ndjson|csv] [--out FILE]
  npm run cli -- history show order <orderId> [--at TIME | --revision N]
  npm run cli -- history show product <sku> [--at TIME | --revision N]

export writes events in global order to FILE (or stdout), as stored: --type repeats or takes a comma list;
--from is inclusive and --to exclusive (TIME: 2026-03-01T12:00:00Z, or a day: 2026-03-01 is UTC midnight);
--after POSITION continues an earlier export. Progress goes to stderr.
show prints the entity's state folded from its events up to TIME (or revision N; now when neither).`,
  async run(args, context) {
    const [action, ...rest] = args;
    if (action === 'export') return exportHistory(rest, context);
    if (action === 'show') return show(rest, context);
    throw new UsageError(
      action === undefined ? 'history: say export or show' : `history: unknown action ${JSON.stringify(action)}`,
    );
  },
};

async function exportHistory(args: string[], context: CliContext): Promise<number> {
  const { values } = usage(() =>
    parseArgs({
      args,
      options: { ...rangeOptions, format: { type: 'string' }, out: { type: 'string', short: 'o' } },
      strict: true,
    }),
  );
  const { out, ...filters } = values;
  const { format, ...range } = usage(() => EventsQuery.parse(filters));
  const target = out === undefined ? undefined : resolve(context.cwd, out);
  const opened = await context.openEventStore();
  try {
    const head = await opened.store.headPosition();
    const after = range.after ?? 0n;
    const progress = progressLine(context.stderr);
    const startedAt = Date.now();
    const run = (sink: Writable) =>
      writeEvents(sink, pagesOfAll(opened.store, range, { upTo: head }), format, {
        signal: context.signal,
        onPage: (page, events) =>
          progress.update(
            () =>
              `exported ${rate(events, startedAt)}, ${through(page[page.length - 1]!.position, after, head)} of $all`,
          ),
      });
    const outcome = await (target ? toFile(target, run) : run(context.stdout)).catch((error: unknown) => {
      // The reader of stdout went away (`| head`): that is the end of the export, not a failure.
      if ((error as { code?: unknown }).code === 'EPIPE') return undefined;
      throw new CliFailure(`export failed: ${(error as Error).message}`, { cause: error });
    });
    if (!outcome) return 0;
    const where = target ? ` to ${target}` : '';
    progress.done(
      outcome.complete
        ? `exported ${rate(outcome.events, startedAt)}${where}`
        : `stopped after ${rate(outcome.events, startedAt)}; nothing written${where}`,
    );
    return outcome.complete ? 0 : 130;
  } finally {
    await opened.close();
  }
}

/** Writes beside the final name and renames once complete, so FILE never holds half an export. */
async function toFile(target: string, run: (sink: Writable) => Promise<WriteOutcome>): Promise<WriteOutcome> {
  const partial = `${target}.partial`;
  const sink = createWriteStream(partial);
  try {
    const outcome = await run(sink);
    sink.end();
    // A file opens asynchronously: a bad path may only fail here, after every event was handed over.
    await finished(sink);
    if (outcome.complete) await rename(partial, target);
    return outcome;
  } finally {
    sink.destroy();
    await rm(partial, { force: true });
  }
}

async function show(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      options: { at: { type: 'string' }, revision: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  const [kind, id, ...extra] = positionals;
  if ((kind !== 'order' && kind !== 'product') || id === undefined || extra.length > 0)
    throw new UsageError('history show: say order <orderId> or product <sku>');
  if (!(kind === 'order' ? OrderId : Sku).safeParse(id).success)
    throw new UsageError(`history show: ${JSON.stringify(id)} is not ${kind === 'order' ? 'an order id' : 'a sku'}`);
  const point = usage(() => PointQuery.parse(values));
  const opened = await context.openEventStore();
  try {
    const result: TimeTravel<unknown> =
      kind === 'order' ? await orderAt(opened.store, id, point) : await productAt(opened.store, id, point);
    if (result.found) {
      context.stdout.write(`${JSON.stringify(result.entity, null, 2)}\n`);
      return 0;
    }
    if (result.reason === 'beyond')
      throw new UsageError(`--revision: ${kind} ${id} has revisions 0 to ${result.lastRevision}`);
    throw new CliFailure(
      result.reason === 'unknown'
        ? `${kind} ${id} does not exist`
        : `${kind} ${id} did not exist yet at ${'at' in point ? point.at.toISOString() : 'that point'}`,
    );
  } finally {
    await opened.close();
  }
}
