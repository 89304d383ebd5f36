// The little of an OpenAPI 3.1 document the contract check reads, kept loose: the document comes over the wire.

export type Json = Record<string, unknown>;

/** An OpenAPI document as parsed JSON; only `openapi`, `paths` and `components` are read. */
export interface OpenApiDoc {
  openapi: string;
  paths?: Record<string, unknown>;
  components?: Json;
  [key: string]: unknown;
}

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether a parsed JSON value is an OpenAPI 3.1 document (the only version whose schemas are JSON Schema 2020-12). */
export const isOpenApi31 = (value: unknown): value is OpenApiDoc =>
  isObject(value) && typeof value.openapi === 'string' && /^3\.1\.\d+/.test(value.openapi);

/** Escapes one key for a JSON pointer inside a URI fragment (`/` → `~1`, then percent-encoding for `{` and `}`). */
export const pointerPart = (key: string): string => encodeURIComponent(key.replace(/~/g, '~0').replace(/\//g, '~1'));

/** An object of the document and its JSON pointer (a URI fragment), which compiled schemas are reached through. */
export interface Located {
  value: Json;
  pointer: string;
}

/** The pointer of a child: `child(at, 'content', 'application/json')`. */
export const child = (at: string, ...keys: string[]): string => [at, ...keys.map(pointerPart)].join('/');

/** Follows local `$ref`s (`#/components/responses/X`) to an object that is not one; undefined when one dangles. */
export function deref(doc: OpenApiDoc, value: unknown, pointer: string): Located | undefined {
  for (let hops = 0; isObject(value) && typeof value.$ref === 'string'; hops++) {
    if (hops > 20 || !value.$ref.startsWith('#/')) return undefined;
    pointer = value.$ref;
    value = pointer
      .slice(2)
      .split('/')
      .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), doc);
  }
  return isObject(value) ? { value, pointer } : undefined;
}
