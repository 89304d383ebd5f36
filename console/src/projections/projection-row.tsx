import type { ProjectionStatus } from '@order-engine/client';
import { formatNumber, formatSeconds } from '../shared/format.js';
import { eventsPerSecond, isStalled, type Poll } from './projection-trend.js';
import { Sparkline } from './sparkline.js';

interface Props {
  status: ProjectionStatus;
  polls: readonly Poll[];
}

export function ProjectionRow({ status, polls }: Props) {
  const stalled = isStalled(polls);
  return (
    <tr data-testid="projection-row" data-name={status.name} class={stalled ? 'row-warn' : undefined}>
      <th scope="row">{status.name}</th>
      <td class="mono">
        v{status.version} <span class="muted">{status.schema}</span>
      </td>
      <td>
        <span class={`pill pill-${status.status}`}>{status.status}</span>
        {status.rebuild && <span class="muted"> → v{status.rebuild.targetVersion}</span>}
        {stalled && (
          <span
            class="pill pill-stalled"
            data-testid="stall-badge"
            title="The checkpoint stood still for 3 polls while the head moved"
          >
            stalled
          </span>
        )}
      </td>
      <td class="num mono">{status.checkpoint}</td>
      <td class="num mono">{status.headPosition}</td>
      <td class="num">{formatNumber(status.lagEvents)}</td>
      <td class="num">{formatSeconds(status.lagSeconds)}</td>
      <td class="num">{formatNumber(eventsPerSecond(polls))}</td>
      <td>
        <Sparkline
          values={polls.map((poll) => poll.lagEvents)}
          label={`Lag of ${status.name} over the last 5 minutes`}
        />
      </td>
    </tr>
  );
}
