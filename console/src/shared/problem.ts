// Refusals are RFC 9457 problems; the console shows them as "title: detail".

export interface ProblemLike {
  title?: unknown;
  detail?: unknown;
  errors?: unknown;
}

/** The fields a validation problem names: "prefix: Too small". */
function fieldErrors(errors: unknown): string {
  if (!Array.isArray(errors)) return '';
  const named = errors
    .map((error: { path?: unknown; message?: unknown }) => `${String(error.path)}: ${String(error.message)}`)
    .join('; ');
  return named && ` (${named})`;
}

/** "title: detail" of a problem answer, or the HTTP status when the body is not one. */
export function problemText(body: unknown, status: number): string {
  const problem = typeof body === 'object' && body !== null ? (body as ProblemLike) : {};
  const title = typeof problem.title === 'string' ? problem.title : undefined;
  const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
  if (title && detail) return `${title}: ${detail}${fieldErrors(problem.errors)}`;
  return title ?? detail ?? (typeof body === 'string' && body.trim() !== '' ? body.trim() : `HTTP ${status}`);
}
