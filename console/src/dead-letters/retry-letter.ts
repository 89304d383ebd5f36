import { call, Refusal, type Api } from '../shared/api.js';
import type { ProjectionName } from '../shared/projection-names.js';
import type { RetryAnswer } from './letters.js';

/** POST …/retry: applied, or refused with a problem (422 still failing, 404, 409); a service down still throws. */
export async function retryLetter(api: Api, projection: ProjectionName, id: string): Promise<RetryAnswer> {
  try {
    const { resolved, streamId } = await call(api.projection, (client) =>
      client.POST('/projections/{name}/dead-letters/{id}/retry', { params: { path: { name: projection, id } } }),
    );
    return { applied: true, resolved, streamId };
  } catch (error) {
    if (error instanceof Refusal) return { applied: false, status: error.status, problem: error.body };
    throw error;
  }
}
