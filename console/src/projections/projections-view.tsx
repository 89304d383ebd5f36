import { useEffect, useState } from 'preact/hooks';
import { PollStatus } from '../shared/poll-status.js';
import { useProjections } from '../shared/use-projections.js';
import { ProjectionRow } from './projection-row.js';
import { recordPoll, type Trends } from './projection-trend.js';

const POLL_MS = 2_000;

export function ProjectionsView() {
  const poll = useProjections(POLL_MS);
  const [trends, setTrends] = useState<Trends>(new Map());

  // Each answer is a new array: one trend point per poll.
  useEffect(() => {
    if (poll.data) setTrends((earlier) => recordPoll(earlier, poll.data ?? [], Date.now()));
  }, [poll.data]);

  return (
    <section aria-labelledby="projections-title">
      <h2 id="projections-title">Projections</h2>
      <PollStatus poll={poll} />
      {poll.data ? (
        <table class="grid">
          <thead>
            <tr>
              <th>Name</th>
              <th>Live version</th>
              <th>Status</th>
              <th class="num">Checkpoint</th>
              <th class="num">Head</th>
              <th class="num">Lag (events)</th>
              <th class="num">Lag (s)</th>
              <th class="num">Events/s</th>
              <th>Lag, last 5 min</th>
            </tr>
          </thead>
          <tbody>
            {poll.data.map((status) => (
              <ProjectionRow key={status.name} status={status} polls={trends.get(status.name) ?? []} />
            ))}
          </tbody>
        </table>
      ) : (
        !poll.down && <p class="muted">Loading…</p>
      )}
    </section>
  );
}
