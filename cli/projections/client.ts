import { projectionClient, type Problem, type ProjectionStatus, type RebuildJob } from '@order-engine/client';
import type { ProjectionName } from '@order-engine/shared';
import { CliFailure } from '../command.js';

// The projection service's admin API through the typed client. Every failure becomes a message the user can act on.

export type JobView = RebuildJob & { resumed?: boolean };
export type StatusView = ProjectionStatus;
export type VerifyView = NonNullable<NonNullable<RebuildJob['result']>['verify']>;

export interface ProjectionApi {
  rebuild(name: string, verify: boolean): Promise<JobView>;
  job(name: string, jobId: string): Promise<JobView>;
  statuses(): Promise<StatusView[]>;
}

interface Answer<T> {
  data?: T;
  error?: Problem;
  response: Response;
}

export interface ProjectionApiOptions {
  /** An operator's or analyst's API key or JWT (a rebuild needs an operator). */
  token?: string;
  signal?: AbortSignal;
}

export function projectionApi(baseUrl: string, { token, signal }: ProjectionApiOptions = {}): ProjectionApi {
  const client = projectionClient(baseUrl, { token });
  const call = async <T>(request: () => Promise<Answer<T>>): Promise<T> => {
    let answer: Answer<T>;
    try {
      answer = await request();
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new CliFailure(
        `cannot reach the projection service at ${baseUrl} (${(error as Error).cause ?? (error as Error).message}): ` +
          `is it running? Point --url at it.`,
        { cause: error },
      );
    }
    if (answer.data !== undefined) return answer.data;
    const { status } = answer.response;
    const hint = status === 401 ? ' (give an operator key: --token or OPERATOR_KEY)' : '';
    throw new CliFailure(`${answer.error?.detail ?? `HTTP ${status}`}${hint}`);
  };
  const path = (name: string) => ({ name: name as ProjectionName });
  return {
    rebuild: (name, verify) =>
      call(() =>
        client.POST('/projections/{name}/rebuild', {
          params: { path: path(name), query: { verify: verify ? 'true' : 'false' } },
          signal,
        }),
      ),
    job: (name, jobId) =>
      call(() =>
        client.GET('/projections/{name}/rebuilds/{jobId}', { params: { path: { ...path(name), jobId } }, signal }),
      ),
    statuses: () => call(() => client.GET('/projections', { signal })),
  };
}
