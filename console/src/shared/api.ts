import {
  commandClient,
  projectionClient,
  queryClient,
  type CommandClient,
  type ProjectionClient,
  type QueryClient,
} from '@order-engine/client';
import type { ConsoleConfig } from './config.js';
import { problemText } from './problem.js';

// Every API call goes through `call`, which sorts what went wrong into the two cases a view treats differently: the
// service is not answering (retry with backoff, keep the last data) or it refused (show its problem).

export type ServiceName = 'projection-service' | 'query-service' | 'command-service';

export interface Endpoint<C> {
  service: ServiceName;
  url: string;
  client: C;
}

export interface Api {
  projection: Endpoint<ProjectionClient>;
  /** Undefined when config.json does not say where the API is. */
  query: Endpoint<QueryClient> | undefined;
  command: Endpoint<CommandClient> | undefined;
}

/** No answer, or an answer saying the service cannot serve now (5xx): worth trying again. */
export class ServiceDown extends Error {
  constructor(
    readonly service: ServiceName,
    readonly url: string,
    readonly reason: string,
  ) {
    super(`${service} is not answering (${url}): ${reason}`);
  }
}

/** A refusal (4xx, or 501 not implemented): its problem as "title: detail". */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(problemText(body, status));
  }
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

// 501 is the event store saying it cannot do this at all: asking again will not help.
const isUnavailable = (status: number): boolean => status >= 500 && status !== 501;

export async function call<C, T>(endpoint: Endpoint<C>, request: (client: C) => Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request(endpoint.client);
  } catch (error) {
    throw new ServiceDown(endpoint.service, endpoint.url, error instanceof Error ? error.message : String(error));
  }
  const { status, ok } = answer.response;
  if (ok) return answer.data as T;
  if (isUnavailable(status))
    throw new ServiceDown(endpoint.service, endpoint.url, `${status} ${problemText(answer.error, status)}`);
  throw new Refusal(status, answer.error);
}

/** The three APIs with this token; `onUnauthorized` hears of any 401 (the token expired or was revoked). */
export function makeApi(config: ConsoleConfig, token: string, onUnauthorized?: () => void): Api {
  const watch = <C extends Pick<ProjectionClient, 'use'>>(client: C): C => {
    if (onUnauthorized)
      client.use({
        onResponse: ({ response }) => {
          if (response.status === 401) onUnauthorized();
          return undefined;
        },
      });
    return client;
  };
  const endpoint = <C>(service: ServiceName, url: string, client: C): Endpoint<C> => ({ service, url, client });
  const { projectionUrl, queryUrl, commandUrl } = config;
  return {
    projection: endpoint('projection-service', projectionUrl, watch(projectionClient(projectionUrl, { token }))),
    query: queryUrl ? endpoint('query-service', queryUrl, watch(queryClient(queryUrl, { token }))) : undefined,
    command: commandUrl
      ? endpoint('command-service', commandUrl, watch(commandClient(commandUrl, { token })))
      : undefined,
  };
}
