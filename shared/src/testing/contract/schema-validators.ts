import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { OpenApiDoc } from './openapi-doc.js';

// Compiles the schemas of one OpenAPI 3.1 document (JSON Schema 2020-12) with Ajv, once per schema: the whole document
// is added under an id of its own, so a schema is reached by its pointer and its `#/components/...` refs resolve.

export type SchemaCheck = (value: unknown) => string[];

interface Compiled {
  ajv: Ajv2020;
  id: string;
  checks: Map<string, SchemaCheck>;
}

const compiledDocs = new WeakMap<OpenApiDoc, Compiled>();
let docs = 0;
// ajv-formats is CommonJS: Node's ESM import gives its module.exports, whose default is the plugin again.
const addFormats = (formats as unknown as { default?: typeof formats }).default ?? formats;

function compiledFor(doc: OpenApiDoc): Compiled {
  let compiled = compiledDocs.get(doc);
  if (!compiled) {
    // strict off: OpenAPI's own keywords (example, discriminator, xml, externalDocs) are not JSON Schema's.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(ajv);
    const id = `urn:contract-check:doc-${++docs}`;
    ajv.addSchema({ ...doc, $id: id });
    compiled = { ajv, id, checks: new Map() };
    compiledDocs.set(doc, compiled);
  }
  return compiled;
}

const describe = (validate: ValidateFunction): string[] =>
  (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);

/** The check of the schema at pointer (`#/paths/.../schema`); a schema that does not compile is one violation. */
export function schemaCheck(doc: OpenApiDoc, pointer: string): SchemaCheck {
  const compiled = compiledFor(doc);
  let check = compiled.checks.get(pointer);
  if (!check) {
    try {
      const validate = compiled.ajv.compile({ $ref: `${compiled.id}${pointer}` });
      check = (value) => (validate(value) ? [] : describe(validate));
    } catch (error) {
      const reason = `the schema at ${decodeURIComponent(pointer)} does not compile: ${(error as Error).message}`;
      check = () => [reason];
    }
    compiled.checks.set(pointer, check);
  }
  return check;
}
