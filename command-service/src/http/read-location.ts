import type { Request } from 'express';

// The command API writes; what it made is read from the query API, on another port or host. Location headers point
// there, so a client can follow them.

/** The query API's URL for a caller that reached this service at `page` (scheme and host, no path). */
export type QueryUrl = (page: URL) => string;

/** The query API on the host the caller used, at its port; a URL from the configuration (QUERY_URL) wins. */
export const sameHostQueryUrl =
  (port: () => number, fixed?: string): QueryUrl =>
  (page) =>
    fixed ?? `${page.protocol}//${page.hostname}:${port()}`;

/** The absolute URL of the query API's `path`, for the Location header of the answer to req. */
export const readLocation = (queryUrl: QueryUrl, req: Request, path: string): string =>
  `${queryUrl(new URL(`${req.protocol}://${req.headers.host ?? 'localhost'}`)).replace(/\/+$/, '')}${path}`;
