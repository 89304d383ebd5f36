import { describe, expect, it } from 'vitest';
import { runWith } from './testing.js';

describe('the command router', () => {
  it('lists the commands for help, and refuses an unknown one with exit code 2', async () => {
    const help = await runWith(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/history\s+export history/);
    expect(help.stdout).toMatch(/replay\s+fold history/);

    const unknown = await runWith(['histroy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "histroy"/);
    expect((await runWith([])).code).toBe(2);
  });

  it("prints a command's usage for --help", async () => {
    const answer = await runWith(['history', '--help']);
    expect(answer.code).toBe(0);
    expect(answer.stdout).toMatch(/history export \[--type TYPE\]/);
  });

  it('refuses bad options with exit code 2, the reason and the usage, before opening the event store', async () => {
    const cases: [string[], RegExp][] = [
      [['history', 'export', '--from', 'yesterday'], /--from: an ISO 8601 time/],
      [['history', 'export', '--type', 'OrderPlacd'], /--type: unknown event type "OrderPlacd"/],
      [['history', 'export', '--format', 'xml'], /--format/],
      [['history', 'export', '--colour', 'blue'], /Unknown option '--colour'/],
      [['history', 'export', '--from', '2026-03-02', '--to', '2026-03-01'], /--to: to .* must be after from/],
      [['history', 'export', '--after', '-3'], /Option '--after <value>' argument is ambiguous|--after/],
      [['history', 'show', 'order'], /say order <orderId> or product <sku>/],
      [['history', 'show', 'customer', 'alice'], /say order <orderId> or product <sku>/],
      [['history', 'show', 'order', 'o 1'], /is not an order id/],
      [['history', 'show', 'order', 'o-1', '--at', '2026-02-30'], /--at/],
      [
        ['history', 'show', 'order', 'o-1', '--at', '2026-02-01', '--revision', '2'],
        /--revision: give at or revision, not both/,
      ],
      [['history', 'purge'], /unknown action "purge"/],
      [['replay'], /--reducer FILE is required/],
      [['replay', '--reducer', 'x.js', '--limit', '0'], /--limit: limit is at least 1/],
    ];
    for (const [argv, message] of cases) {
      const answer = await runWith(argv);
      expect(answer.code, argv.join(' ')).toBe(2);
      expect(answer.stderr, argv.join(' ')).toMatch(message);
      expect(answer.stderr).toMatch(/usage:/);
      expect(answer.opened).toBe(false);
    }
  });
});
