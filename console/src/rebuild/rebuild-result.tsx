import type { ProjectionComponents, RebuildJob } from '@order-engine/client';
import { formatTime } from '../shared/format.js';

type VerifyReport = ProjectionComponents['schemas']['VerifyReport'];

/** The moment a finished rebuild switched readers over, and its verify report when one was asked for. */
export function RebuildResult({ job }: { job: RebuildJob }) {
  if (job.status !== 'done' || !job.result) return null;
  const { result } = job;
  return (
    <div class="card">
      <p data-testid="rebuild-switched" class="banner banner-ok">
        {job.projection} switched from v{result.fromVersion} to v{result.toVersion} at position{' '}
        <span class="mono">{result.switchedAt}</span> of $all, finished{' '}
        <span class="mono">{formatTime(job.finishedAt)}</span>
      </p>
      {result.verify && <VerifyResult report={result.verify} />}
    </div>
  );
}

const json = (value: unknown): string => JSON.stringify(value, null, 2);

function VerifyResult({ report }: { report: VerifyReport }) {
  const differing = report.tables.flatMap((table) =>
    table.samples.map((sample) => ({ table: table.table, ...sample })),
  );
  return (
    <div data-testid="verify-result">
      <h3>Verify: {report.identical ? 'identical' : 'the versions differ'}</h3>
      <p class="muted">
        Compared at position <span class="mono">{report.position}</span>
        {report.exact ? '' : ' (not exact: the live version stood at different positions per partition)'}
      </p>
      <table class="grid">
        <thead>
          <tr>
            <th>Table</th>
            <th class="num">Live rows</th>
            <th class="num">Rebuilt rows</th>
            <th class="num">Differing</th>
            <th class="num">In flight</th>
          </tr>
        </thead>
        <tbody>
          {report.tables.map((table) => (
            <tr key={table.table}>
              <th scope="row" class="mono">
                {table.table}
              </th>
              <td class="num">{table.liveRows}</td>
              <td class="num">{table.rebuiltRows}</td>
              <td class="num">{table.differing}</td>
              <td class="num">{table.inFlight}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {differing.length > 0 && (
        <table class="grid" data-testid="verify-differences">
          <caption>Rows that differ (the first of each table)</caption>
          <thead>
            <tr>
              <th>Table</th>
              <th>Key</th>
              <th>Live</th>
              <th>Rebuilt</th>
            </tr>
          </thead>
          <tbody>
            {differing.map((row) => (
              <tr key={`${row.table}:${json(row.key)}`}>
                <td class="mono">{row.table}</td>
                <td>
                  <pre>{json(row.key)}</pre>
                </td>
                <td>
                  <pre>{json(row.live)}</pre>
                </td>
                <td>
                  <pre>{json(row.rebuilt)}</pre>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
