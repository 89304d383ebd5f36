import type { RebuildJob } from '@order-engine/client';
import { formatNumber, formatSeconds, formatTime } from '../shared/format.js';
import { progressPercent } from './progress.js';

export function RebuildProgress({ job }: { job: RebuildJob }) {
  const percent = progressPercent(job.eventsDone, job.eventsTotal, job.status === 'done');
  return (
    <div class="card">
      <p>
        Rebuild of <strong>{job.projection}</strong> v{job.fromVersion} → v{job.targetVersion}{' '}
        <span class={`pill pill-${job.status}`}>{job.status}</span>
        {job.stale && <span class="pill pill-stalled">stale: its process stopped beating</span>}
        <span class="muted mono"> job {job.jobId}</span>
      </p>
      <div
        class="progress"
        role="progressbar"
        aria-label={`Rebuild of ${job.projection}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div class="progress-fill" style={{ width: `${percent}%` }} />
        <span class="progress-text">{percent} %</span>
      </div>
      <dl class="facts">
        <dt>Events</dt>
        <dd class="mono">
          {formatNumber(job.eventsDone)} / {formatNumber(job.eventsTotal)}
        </dd>
        <dt>Events per second</dt>
        <dd>{formatNumber(job.eventsPerSecond)}</dd>
        <dt>ETA</dt>
        <dd>{job.status === 'running' ? formatSeconds(job.etaSeconds) : '—'}</dd>
        <dt>Started</dt>
        <dd class="mono">{formatTime(job.startedAt)}</dd>
        {job.verify && (
          <>
            <dt>Verify</dt>
            <dd>row by row against the live version</dd>
          </>
        )}
      </dl>
      {job.error && (
        <p class="banner banner-problem" role="alert">
          Failed: {job.error}
        </p>
      )}
    </div>
  );
}
