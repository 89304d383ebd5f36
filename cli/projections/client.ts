import { CliFailure } from '../command.js';

// The projection service's admin API, as the CLI uses it. Every failure becomes a message the user can act on.

export interface JobView {
  jobId: string;
  projection: string;
  status: 'running' | 'done' | 'failed';
  fromVersion: number;
  targetVersion: number;
  verify: boolean;
  eventsDone: number;
  eventsTotal: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
  startedAt: string;
  finishedAt: string | null;
  stale: boolean;
  resumed?: boolean;
  result: { verify?: VerifyView } | null;
  error: string | null;
}

export interface VerifyView {
  position: string;
  exact: boolean;
  identical: boolean;
  tables: {
    table: string;
    liveRows: number;
    rebuiltRows: number;
    differing: number;
    inFlight: number;
    samples: { key: unknown; live: unknown; rebuilt: unknown }[];
  }[];
}

export interface StatusView {
  name: string;
  version: number;
  status: 'live' | 'rebuilding';
  rebuild?: {
    jobId: string;
    targetVersion: number;
    eventsDone: number;
    eventsTotal: number;
    eventsPerSecond: number;
    etaSeconds: number | null;
    stale: boolean;
  };
  checkpoint: string;
  headPosition: string;
  lagEvents: number;
  lagSeconds: number;
}

export interface ProjectionApi {
  rebuild(name: string, verify: boolean): Promise<JobView>;
  job(name: string, jobId: string): Promise<JobView>;
  statuses(): Promise<StatusView[]>;
}

/** The problem a 4xx/5xx answer carries (RFC 9457 style), or its status line. */
const problemOf = (status: number, body: unknown): string =>
  typeof body === 'object' && body !== null && 'detail' in body
    ? String((body as { detail: unknown }).detail)
    : `HTTP ${status}`;

export function projectionApi(baseUrl: string, signal?: AbortSignal): ProjectionApi {
  const call = async <T>(method: string, path: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, { method, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new CliFailure(
        `cannot reach the projection service at ${baseUrl} (${(error as Error).cause ?? (error as Error).message}): ` +
          `is it running? Point --url at it.`,
        { cause: error },
      );
    }
    const text = await response.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw new CliFailure(problemOf(response.status, body));
    return body as T;
  };
  return {
    rebuild: (name, verify) => call('POST', `/projections/${encodeURIComponent(name)}/rebuild?verify=${verify}`),
    job: (name, jobId) => call('GET', `/projections/${encodeURIComponent(name)}/rebuilds/${encodeURIComponent(jobId)}`),
    statuses: () => call('GET', '/projections'),
  };
}
