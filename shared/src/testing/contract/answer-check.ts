import { child, deref, isObject, type Json, type Located, type OpenApiDoc } from './openapi-doc.js';
import { matchRoute } from './route-match.js';
import { schemaCheck } from './schema-validators.js';

// Checks one HTTP answer against an OpenAPI 3.1 document: its status is documented for its route, its headers are
// declared and its body has a documented media type and matches its schema. Pure: the caller brings the answer.

export interface ContractAnswer {
  method: string;
  /** The request's path; a query string is ignored. */
  path: string;
  status: number;
  headers: Headers | Record<string, string>;
  /** The answer's media type; the content-type header when absent. */
  contentType?: string;
  /** The body as text; undefined or '' for none. */
  body?: string;
  /** The body was cut short (a stream the caller abandoned): only whole NDJSON lines are checked, JSON is not. */
  truncated?: boolean;
}

/** HTTP's own headers, which no API description declares (`access-control-*` too, by prefix). */
export const GENERIC_HEADERS: ReadonlySet<string> = new Set([
  ...['content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive'],
  ...['date', 'vary', 'etag', 'last-modified', 'cache-control', 'expires', 'pragma', 'age', 'accept-ranges'],
]);

const PROBLEM_SCHEMA = '#/components/schemas/Problem';
const mediaTypeOf = (contentType: string | undefined | null) => contentType?.split(';')[0]!.trim().toLowerCase() ?? '';
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');
// Streamed NDJSON: each line is validated against the content's itemSchema (as OpenAPI 3.2 writes it), else schema.
const isNdjson = (mediaType: string) => mediaType === 'application/x-ndjson' || mediaType === 'application/jsonl';
const entriesOf = (headers: ContractAnswer['headers']): [string, string][] =>
  headers instanceof Headers ? [...headers] : Object.entries(headers);

/** Every way the answer departs from the document, one readable line each (`POST /orders 418: status not ...`). */
export function answerViolations(doc: OpenApiDoc, answer: ContractAnswer): string[] {
  const method = answer.method.toUpperCase();
  const route = matchRoute(doc, method, answer.path);
  if (route.kind !== 'operation') return unroutedViolations(doc, answer, route.kind === 'method-not-documented');
  const label = `${method} ${route.template} ${answer.status}`;
  const responses = deref(doc, route.operation.value.responses, child(route.operation.pointer, 'responses'));
  const status = String(answer.status);
  const key = [status, `${status[0]}XX`, 'default'].find((k) => responses?.value[k] !== undefined);
  if (!responses || !key)
    return [`${label}: status not documented (documented: ${Object.keys(responses?.value ?? {}).join(', ')})`];
  const response = deref(doc, responses.value[key], child(responses.pointer, key));
  if (!response) return [`${label}: response ${key} is a $ref that does not resolve`];
  return [...headerViolations(doc, label, response, answer), ...bodyViolations(doc, label, response, answer)];
}

/** A route the document does not have must be answered 404 (405: a documented path, another method) with a problem. */
function unroutedViolations(doc: OpenApiDoc, answer: ContractAnswer, pathDocumented: boolean): string[] {
  const label = `${answer.method.toUpperCase()} ${answer.path.split('?')[0]} ${answer.status}`;
  if (answer.status !== 404 && !(pathDocumented && answer.status === 405))
    return [`${label}: route not documented, and not answered 404`];
  const mediaType = mediaTypeOf(answer.contentType ?? headerOf(answer, 'content-type'));
  if (!isJson(mediaType))
    return [`${label}: route not documented, and answered ${mediaType || 'no body'}, not a problem`];
  if (!deref(doc, { $ref: PROBLEM_SCHEMA }, '')) return [`${label}: the document has no ${PROBLEM_SCHEMA}`];
  return jsonViolations(doc, `${label} (route not documented)`, PROBLEM_SCHEMA, answer);
}

function headerViolations(doc: OpenApiDoc, label: string, response: Located, answer: ContractAnswer): string[] {
  const declared = new Map<string, Json | undefined>();
  if (isObject(response.value.headers))
    for (const [name, header] of Object.entries(response.value.headers))
      declared.set(name.toLowerCase(), deref(doc, header, '')?.value);
  const sent = new Set(entriesOf(answer.headers).map(([name]) => name.toLowerCase()));
  const violations = [...sent]
    .filter((name) => !GENERIC_HEADERS.has(name) && !name.startsWith('access-control-') && !declared.has(name))
    .map((name) => `${label}: header ${name} not documented`);
  for (const [name, header] of declared)
    if (header?.required === true && !sent.has(name)) violations.push(`${label}: required header ${name} missing`);
  return violations;
}

function bodyViolations(doc: OpenApiDoc, label: string, response: Located, answer: ContractAnswer): string[] {
  const method = answer.method.toUpperCase();
  if (method === 'HEAD' || answer.status === 204 || answer.status === 304 || answer.status < 200) return [];
  const content = isObject(response.value.content) ? response.value.content : {};
  const documented = Object.keys(content);
  const mediaType = mediaTypeOf(answer.contentType ?? headerOf(answer, 'content-type'));
  if (!answer.body) {
    if (answer.truncated || documented.length === 0) return [];
    return [`${label}: no body, but the response documents ${documented.join(', ')}`];
  }
  if (!mediaType) return [`${label}: a body without a content-type`];
  const key =
    documented.find((k) => mediaTypeOf(k) === mediaType) ??
    documented.find((k) => mediaTypeOf(k) === `${mediaType.split('/')[0]}/*`) ??
    documented.find((k) => mediaTypeOf(k) === '*/*');
  if (key === undefined)
    return [`${label}: media type ${mediaType} not documented (documented: ${documented.join(', ')})`];
  const media = isObject(content[key]) ? content[key] : {};
  const at = child(response.pointer, 'content', key);
  if (isNdjson(mediaType)) {
    const schema = 'itemSchema' in media ? 'itemSchema' : 'schema' in media ? 'schema' : undefined;
    return schema ? ndjsonViolations(doc, label, child(at, schema), answer) : [];
  }
  if (isJson(mediaType) && 'schema' in media) return jsonViolations(doc, label, child(at, 'schema'), answer);
  return [];
}

function jsonViolations(doc: OpenApiDoc, label: string, schemaPointer: string, answer: ContractAnswer): string[] {
  if (answer.truncated) return [];
  let value: unknown;
  try {
    value = JSON.parse(answer.body ?? '');
  } catch {
    return [`${label}: body is not JSON: ${JSON.stringify((answer.body ?? '').slice(0, 80))}`];
  }
  const errors = schemaCheck(doc, schemaPointer)(value);
  return errors.length ? [`${label}: body does not match its schema: ${errors.join('; ')}`] : [];
}

/** Each line is one JSON value; only the first line that fails is told, with how many failed. */
function ndjsonViolations(doc: OpenApiDoc, label: string, schemaPointer: string, answer: ContractAnswer): string[] {
  const lines = (answer.body ?? '').split('\n');
  if (answer.truncated) lines.pop();
  const check = schemaCheck(doc, schemaPointer);
  const failures: string[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      failures.push(`line ${i + 1} is not JSON`);
      return;
    }
    const errors = check(value);
    if (errors.length) failures.push(`line ${i + 1} does not match its schema: ${errors.join('; ')}`);
  });
  if (!failures.length) return [];
  return [`${label}: ${failures[0]}${failures.length > 1 ? ` (and ${failures.length - 1} more lines)` : ''}`];
}

const headerOf = (answer: ContractAnswer, name: string) =>
  entriesOf(answer.headers).find(([key]) => key.toLowerCase() === name)?.[1];
