import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { EventsQuery, pagesOfAll } from '../../query-service/src/history/index.js';
import { usage, UsageError, type Command } from '../command.js';
import { progressLine, rate, through } from '../progress.js';
import { rangeOptions } from './range-options.js';
import { loadReducer, resultJson, runReducer } from '../replay/reducer.js';

// `replay --reducer FILE`: folds history (or a slice of it) through the user's reducer and prints the result as JSON.

export const command: Command = {
  summary: 'fold history through your own reducer (a .js file) and print the result as JSON',
  usage:
    `usage:
  npm run cli -- replay --reducer FILE [--type TYPE]... [--stream PREFIX] [--from TIME] [--to TIME] ` +
    `[--after POSITION] [--limit N]

FILE is an ES module exporting init() (the first accumulator), reduce(accumulator, event) (the next one) and,
optionally, done(accumulator) (the result) and types (the event types it reads; --type overrides it).
Events come in global order, upcast to their current schema; --from is inclusive and --to exclusive.
The result goes to stdout as JSON, progress to stderr. Examples: examples/revenue-per-month.js,
examples/top-selling-products.js, examples/placed-to-shipped.js.`,
  async run(args, context) {
    const { values } = usage(() =>
      parseArgs({
        args,
        options: {
          reducer: { type: 'string', short: 'r' },
          ...rangeOptions,
        },
        strict: true,
      }),
    );
    const { reducer: file, ...filters } = values;
    if (file === undefined) throw new UsageError('replay: --reducer FILE is required');
    const { format: _format, ...range } = usage(() => EventsQuery.parse(filters));
    const reducer = await loadReducer(pathToFileURL(resolve(context.cwd, file)));

    const opened = await context.openEventStore();
    try {
      const head = await opened.store.headPosition();
      const after = range.after ?? 0n;
      const progress = progressLine(context.stderr);
      const startedAt = Date.now();
      const pages = pagesOfAll(
        opened.store,
        { ...range, types: range.types ?? reducer.types?.slice() },
        { upTo: head },
      );
      const outcome = await runReducer(reducer, pages, {
        signal: context.signal,
        onPage: (page, events) =>
          progress.update(
            () =>
              `replayed ${rate(events, startedAt)}, ${through(page[page.length - 1]!.position, after, head)} of $all`,
          ),
      });
      if (!outcome.complete) {
        progress.done(`stopped after ${rate(outcome.events, startedAt)}: no result`);
        return 130;
      }
      context.stdout.write(`${resultJson(outcome.result)}\n`);
      progress.done(`replayed ${rate(outcome.events, startedAt)}`);
      return 0;
    } finally {
      await opened.close();
    }
  },
};
