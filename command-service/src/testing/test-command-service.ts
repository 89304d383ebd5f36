import { NO_AUTH, listen, silentLogger, type EventStore, type Logger, type Sql } from '@order-engine/shared';
import { createCommandService, type CommandService, type CommandServiceOptions } from '../app.js';
import { requestJson, type JsonAnswer, type JsonRequest } from './http.js';

export interface RunningCommandService {
  url: string;
  service: CommandService;
  /** A request to this service: path relative to its URL. */
  request<T = Record<string, unknown>>(path: string, request?: JsonRequest): Promise<JsonAnswer<T>>;
  /** The highest `position` any answer of this service named so far (0n before any). */
  lastPosition(): bigint;
  stop(): Promise<void>;
}

export interface StartOptions extends Partial<Omit<CommandServiceOptions, 'eventStore' | 'sql'>> {
  eventStore: EventStore;
  sql: Sql;
  /** Start the fulfilment saga too (default true). */
  saga?: boolean;
  logger?: Logger;
}

/** A migrated command service listening on a free port; stop() (idempotent) closes the server and stops the saga. */
export async function startCommandService(options: StartOptions): Promise<RunningCommandService> {
  const { saga = true, logger = silentLogger, ...rest } = options;
  const service = createCommandService({ access: NO_AUTH, ...rest, logger });
  await service.migrate();
  if (saga) service.saga.start();
  const server = await listen(service.app, { host: '127.0.0.1', port: 0 });
  let stopped: Promise<void> | undefined;
  let lastPosition = 0n;
  const notePosition = (body: unknown) => {
    const position = (body as { position?: unknown } | null)?.position;
    if (typeof position === 'string' && /^\d+$/.test(position) && BigInt(position) > lastPosition)
      lastPosition = BigInt(position);
  };
  return {
    url: server.url,
    service,
    async request(path, request) {
      const answer = await requestJson(`${server.url}${path}`, request);
      notePosition(answer.body);
      return answer as JsonAnswer<never>;
    },
    lastPosition: () => lastPosition,
    stop() {
      stopped ??= (async () => {
        await server.close();
        await service.saga.stop();
        // Refusals are audited without waiting: their inserts must be done before a test drops the schemas.
        await service.audit.flush();
      })();
      return stopped;
    },
  };
}
