import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components as CommandComponents, paths as CommandPaths } from './generated/command.js';
import type { components as ProjectionComponents, paths as ProjectionPaths } from './generated/projection.js';
import type { components as QueryComponents, paths as QueryPaths } from './generated/query.js';

// Typed clients of the engine's three APIs: openapi-fetch over the types openapi-typescript generated from each
// API's OpenAPI document, so a path, a parameter or a body the API does not have is a compile error.

export interface EngineClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** An API key or a JWT, sent as `Authorization: Bearer <token>`. */
  token?: string;
}

function options(baseUrl: string, { token, headers, ...rest }: EngineClientOptions): ClientOptions {
  return {
    baseUrl,
    ...rest,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
  };
}

export type CommandClient = Client<CommandPaths>;
export type QueryClient = Client<QueryPaths>;
export type ProjectionClient = Client<ProjectionPaths>;

/** The command API (default port 3000): catalog and order commands. */
export const commandClient = (baseUrl: string, settings: EngineClientOptions = {}): CommandClient =>
  createClient<CommandPaths>(options(baseUrl, settings));

/** The query API (default port 3001): views, stats and history. */
export const queryClient = (baseUrl: string, settings: EngineClientOptions = {}): QueryClient =>
  createClient<QueryPaths>(options(baseUrl, settings));

/** The projection API (default port 3002): projection status, rebuilds, dead letters, audit. */
export const projectionClient = (baseUrl: string, settings: EngineClientOptions = {}): ProjectionClient =>
  createClient<ProjectionPaths>(options(baseUrl, settings));

export type { CommandComponents, CommandPaths, ProjectionComponents, ProjectionPaths, QueryComponents, QueryPaths };
/** A refusal of any of the APIs (RFC 9457). */
export type Problem = CommandComponents['schemas']['Problem'];
export type RebuildJob = ProjectionComponents['schemas']['RebuildJob'];
export type ProjectionStatus = ProjectionComponents['schemas']['ProjectionStatus'];
