// Refusals are RFC 9457 problems; the console shows them as "title: detail".

export interface ProblemLike {
  title?: unknown;
  detail?: unknown;
}

/** "title: detail" of a problem answer, or the HTTP status when the body is not one. */
export function problemText(body: unknown, status: number): string {
  const problem = typeof body === 'object' && body !== null ? (body as ProblemLike) : {};
  const title = typeof problem.title === 'string' ? problem.title : undefined;
  const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
  if (title && detail) return `${title}: ${detail}`;
  return title ?? detail ?? (typeof body === 'string' && body.trim() !== '' ? body.trim() : `HTTP ${status}`);
}
