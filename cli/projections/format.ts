import { count } from '../progress.js';
import type { JobView, StatusView, VerifyView } from './client.js';

// What the projections command prints: a progress bar for a rebuild (stderr), a status table and a verify report
// (stdout). Pure, so the shapes are tested without a service.

/** "1m 05s", "42s", "2h 03m"; "?" while unknown. */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3_600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3_600)}h ${String(Math.floor((s % 3_600) / 60)).padStart(2, '0')}m`;
}

/** [██████░░░░]  52.3%  523,000/1,000,000 events  24,120 events/s  ETA 20s */
export function progressBar(
  job: Pick<JobView, 'eventsDone' | 'eventsTotal' | 'eventsPerSecond' | 'etaSeconds'>,
  width = 24,
): string {
  const fraction = job.eventsTotal > 0 ? Math.min(1, job.eventsDone / job.eventsTotal) : 0;
  const filled = Math.round(fraction * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  return (
    `[${bar}] ${(fraction * 100).toFixed(1).padStart(5)}%  ${count(job.eventsDone)}/${count(job.eventsTotal)} ` +
    `events  ${count(job.eventsPerSecond)} events/s  ETA ${duration(job.etaSeconds)}`
  );
}

export function statusTable(statuses: readonly StatusView[]): string {
  const rows = [
    ['projection', 'version', 'status', 'checkpoint', 'lag events', 'lag s'],
    ...statuses.map((s) => [
      s.name,
      `v${s.version}`,
      s.rebuild
        ? `rebuilding v${s.rebuild.targetVersion} ` +
          `${s.rebuild.eventsTotal > 0 ? ((s.rebuild.eventsDone / s.rebuild.eventsTotal) * 100).toFixed(1) : '0.0'}% ` +
          `ETA ${duration(s.rebuild.etaSeconds)}${s.rebuild.stale ? ' (stalled)' : ''}`
        : s.status,
      s.checkpoint,
      count(s.lagEvents),
      s.lagSeconds.toFixed(1),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export function verifyReport(report: VerifyView): string {
  const lines = [
    report.identical
      ? `verify: the rebuilt version equals the live one at position ${report.position}`
      : `verify: the rebuilt version differs from the live one at position ${report.position}`,
  ];
  if (!report.exact)
    lines.push(
      '  (the live version stood at different positions per partition: rows without a position may differ in flight)',
    );
  for (const table of report.tables) {
    const inFlight = table.inFlight > 0 ? `, ${count(table.inFlight)} in flight` : '';
    lines.push(
      `  ${table.table}: ${count(table.liveRows)} live rows, ${count(table.rebuiltRows)} rebuilt, ` +
        `${count(table.differing)} differing${inFlight}`,
    );
    for (const sample of table.samples) {
      lines.push(
        `    ${JSON.stringify(sample.key)}`,
        `      live:    ${JSON.stringify(sample.live)}`,
        `      rebuilt: ${JSON.stringify(sample.rebuilt)}`,
      );
    }
    if (table.samples.length < table.differing)
      lines.push(`    … and ${count(table.differing - table.samples.length)} more`);
  }
  return `${lines.join('\n')}\n`;
}
