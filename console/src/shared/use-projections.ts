import type { ProjectionStatus } from '@order-engine/client';
import { useSession } from '../session/session-context.js';
import { call } from './api.js';
import { usePoll, type Poll } from './use-poll.js';

/** GET /projections on an interval: every projection's version, checkpoint, lag and running rebuild. */
export function useProjections(intervalMs: number): Poll<ProjectionStatus[]> {
  const { api } = useSession();
  return usePoll((signal) => call(api.projection, (client) => client.GET('/projections', { signal })), { intervalMs });
}
