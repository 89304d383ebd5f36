import type { RebuildJob } from '@order-engine/client';
import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../session/session-context.js';
import { call } from '../shared/api.js';
import type { ProjectionName } from '../shared/projection-names.js';
import { usePoll, type Poll } from '../shared/use-poll.js';

export interface TrackedJob {
  name: ProjectionName;
  jobId: string;
}

const JOB_POLL_MS = 1_000;

/** GET /projections/{name}/rebuilds/{jobId} every second until the job is done or failed. */
export function useRebuildJob(tracked: TrackedJob | undefined): Poll<RebuildJob> {
  const { api } = useSession();
  const [finishedJobId, setFinishedJobId] = useState<string | undefined>(undefined);
  const poll = usePoll(
    (signal) =>
      tracked
        ? call(api.projection, (client) =>
            client.GET('/projections/{name}/rebuilds/{jobId}', { params: { path: tracked }, signal }),
          )
        : Promise.reject(new Error('no rebuild to follow')),
    {
      key: [tracked?.name, tracked?.jobId],
      enabled: tracked !== undefined,
      intervalMs: finishedJobId !== undefined && finishedJobId === tracked?.jobId ? undefined : JOB_POLL_MS,
    },
  );
  const finished = poll.data !== undefined && poll.data.status !== 'running';
  useEffect(() => setFinishedJobId(finished ? poll.data?.jobId : undefined), [finished, poll.data?.jobId]);
  return poll;
}
