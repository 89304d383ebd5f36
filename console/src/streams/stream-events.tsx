import type { QueryClient } from '@order-engine/client';
import { useState } from 'preact/hooks';
import type { Endpoint } from '../shared/api.js';
import { formatTime } from '../shared/format.js';
import { PollStatus } from '../shared/poll-status.js';
import { usePoll } from '../shared/use-poll.js';
import { PAGE_SIZE, streamPage, type StreamSummary } from './history.js';

interface Props {
  query: Endpoint<QueryClient>;
  stream: StreamSummary;
}

/** The stream's events, PAGE_SIZE at a time. */
export function StreamEvents({ query, stream }: Props) {
  const [from, setFrom] = useState(0);
  const page = usePoll((signal) => streamPage(query, stream.streamId, from, signal), { key: [stream.streamId, from] });
  const count = stream.revision + 1;
  const last = Math.min(from + PAGE_SIZE, count) - 1;
  return (
    <section class="card" aria-label={`Events of ${stream.streamId}`}>
      <div class="toolbar">
        <h3>
          Events of <span class="mono">{stream.streamId}</span>
        </h3>
        <button type="button" disabled={from === 0} onClick={() => setFrom(Math.max(0, from - PAGE_SIZE))}>
          ‹ Previous {PAGE_SIZE}
        </button>
        <span class="muted">
          revisions {from}–{last} of {count}
        </span>
        <button type="button" disabled={from + PAGE_SIZE >= count} onClick={() => setFrom(from + PAGE_SIZE)}>
          Next {PAGE_SIZE} ›
        </button>
      </div>
      <PollStatus poll={page} />
      <table class="grid">
        <thead>
          <tr>
            <th class="num">Revision</th>
            <th class="num">Position</th>
            <th>Type</th>
            <th>Recorded at</th>
            <th>Actor</th>
            <th>Data</th>
          </tr>
        </thead>
        <tbody>
          {(page.data ?? []).map((event) => (
            <tr key={event.eventId} data-testid="stream-event-row">
              <td class="num mono">{event.revision}</td>
              <td class="num mono">{event.position}</td>
              <td>
                {event.type} <span class="muted">v{event.version}</span>
              </td>
              <td class="mono">{formatTime(event.recordedAt)}</td>
              <td>{event.metadata.actor ?? '—'}</td>
              <td>
                <details>
                  <summary class="mono clip">{JSON.stringify(event.data)}</summary>
                  <pre>{JSON.stringify({ data: event.data, metadata: event.metadata }, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
