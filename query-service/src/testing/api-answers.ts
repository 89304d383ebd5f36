import type { OpenApiDocument } from '@order-engine/shared';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// Checks answers against the query API's own document as JSON Schema, closed objects included: a zod parse would
// drop a field the schema forgot instead of failing on it.

// ajv-formats is CommonJS: its function is the default export's default under Node's ESM interop.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, unknown>;
const pointer = (...segments: string[]) =>
  segments.map((segment) => encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

export interface AnswerChecks {
  /** Why the body does not fit the answer's schema; none when it does. */
  body(method: string, path: string, status: number, body: unknown, mediaType?: string): string[];
  /** The headers an answer may carry (lower case), its refusals' included. */
  headers(method: string, path: string, status: number): Set<string>;
}

export function answerChecks(doc: OpenApiDocument): AnswerChecks {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'api');
  const json = doc as unknown as Json;
  const resolve = (value: Json): Json => {
    const ref = value.$ref;
    if (typeof ref !== 'string') return value;
    return ref
      .slice(2)
      .split('/')
      .reduce<Json>((at, key) => at[key] as Json, json);
  };
  const response = (method: string, path: string, status: number) => {
    const responses = ((json.paths as Json)[openApiPath(path)] as Json)[method.toLowerCase()] as Json;
    const answer = (responses.responses as Json)[String(status)] as Json | undefined;
    if (!answer) throw new Error(`${method} ${path} ${status} is not documented`);
    return resolve(answer);
  };
  return {
    body(method, path, status, body, mediaType = 'application/json') {
      response(method, path, status); // documented
      const at = pointer('paths', openApiPath(path), method.toLowerCase(), 'responses', String(status));
      const validate = ajv.compile({ $ref: `api#/${at}/content/${pointer(mediaType)}/schema` });
      return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    },
    headers(method, path, status) {
      const headers = (response(method, path, status).headers ?? {}) as Json;
      return new Set(Object.keys(headers).map((name) => name.toLowerCase()));
    },
  };
}
