import { formatTime } from '../shared/format.js';
import type { AuditEntry } from './audit-query.js';

export function AuditTable({ entries }: { entries: readonly AuditEntry[] }) {
  return (
    <table class="grid audit">
      <thead>
        <tr>
          <th>At</th>
          <th>Service</th>
          <th>Identity</th>
          <th>Role</th>
          <th>On behalf of</th>
          <th>Action</th>
          <th>Path</th>
          <th class="num">Status</th>
          <th>Outcome</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id} data-testid="audit-row" class={entry.outcome === 'done' ? undefined : 'row-warn'}>
            <td class="mono">{formatTime(entry.at)}</td>
            <td>{entry.service}</td>
            <td>{entry.actor}</td>
            <td>{entry.role ?? '—'}</td>
            <td>{entry.onBehalfOf ?? ''}</td>
            <td class="mono">
              {entry.method} {entry.route}
            </td>
            <td class="mono clip" title={entry.path}>
              {entry.path}
            </td>
            <td class="num mono">{entry.status}</td>
            <td>
              <span class={`pill pill-${entry.outcome}`}>{entry.outcome}</span>
            </td>
            <td class="error-text">{entry.detail ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
