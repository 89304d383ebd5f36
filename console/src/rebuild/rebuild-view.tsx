import type { RebuildJob } from '@order-engine/client';
import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../session/session-context.js';
import { call } from '../shared/api.js';
import { PollStatus } from '../shared/poll-status.js';
import { projectionNameOf, type ProjectionName } from '../shared/projection-names.js';
import { ReadOnlyNote } from '../shared/read-only-note.js';
import { useProjections } from '../shared/use-projections.js';
import { RebuildProgress } from './rebuild-progress.js';
import { RebuildResult } from './rebuild-result.js';
import { useRebuildJob, type TrackedJob } from './use-rebuild-job.js';

export function RebuildView() {
  const { api, readOnly } = useSession();
  const projections = useProjections(2_000);
  const [selected, setSelected] = useState<ProjectionName | undefined>(undefined);
  const [verify, setVerify] = useState(false);
  const [tracked, setTracked] = useState<TrackedJob | undefined>(undefined);
  const [started, setStarted] = useState<(RebuildJob & { resumed: boolean }) | undefined>(undefined);
  const [alert, setAlert] = useState<string | undefined>(undefined);
  const [starting, setStarting] = useState(false);
  const polled = useRebuildJob(tracked);
  const job = polled.data ?? (started?.jobId === tracked?.jobId ? started : undefined);
  const finished = job !== undefined && job.status !== 'running';

  // A rebuild already running (started here before a reload, or elsewhere) is picked up from GET /projections.
  useEffect(() => {
    const running = projections.data?.find((status) => status.rebuild);
    if (!running?.rebuild || running.rebuild.jobId === tracked?.jobId || (tracked && !finished)) return;
    setTracked({ name: projectionNameOf(running), jobId: running.rebuild.jobId });
    setSelected(projectionNameOf(running));
  }, [projections.data]);

  const name = selected ?? (projections.data?.[0] && projectionNameOf(projections.data[0]));

  async function start(event: Event) {
    event.preventDefault();
    if (!name) return;
    setAlert(undefined);
    setStarting(true);
    try {
      const answer = await call(api.projection, (client) =>
        client.POST('/projections/{name}/rebuild', { params: { path: { name } }, body: { verify } }),
      );
      setStarted(answer);
      setTracked({ name, jobId: answer.jobId });
    } catch (error) {
      setAlert(error instanceof Error ? error.message : String(error));
    } finally {
      setStarting(false);
    }
  }

  return (
    <section aria-labelledby="rebuild-title">
      <h2 id="rebuild-title">Rebuild</h2>
      <PollStatus poll={projections} />
      <form class="toolbar" onSubmit={(event) => void start(event)}>
        <label for="rebuild-projection">Projection</label>
        <select
          id="rebuild-projection"
          value={name ?? ''}
          onChange={(event) => setSelected(event.currentTarget.value as ProjectionName)}
        >
          {(projections.data ?? []).map((status) => (
            <option key={status.name} value={status.name}>
              {status.name} (v{status.version}, {status.status})
            </option>
          ))}
        </select>
        <label>
          <input type="checkbox" checked={verify} onChange={(event) => setVerify(event.currentTarget.checked)} /> verify
        </label>
        <button type="submit" disabled={readOnly || starting || !name}>
          Start rebuild
        </button>
        <ReadOnlyNote />
      </form>
      {alert && (
        <p class="banner banner-problem" role="alert">
          {alert}
        </p>
      )}
      {started?.resumed && started.jobId === tracked?.jobId && (
        <p class="muted">A rebuild of {started.projection} was already running: following it.</p>
      )}
      <PollStatus poll={polled} />
      {job && <RebuildProgress job={job} />}
      {job && <RebuildResult job={job} />}
    </section>
  );
}
