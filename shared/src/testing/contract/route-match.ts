import { child, deref, isObject, type Located, type OpenApiDoc } from './openapi-doc.js';

// Finds the operation of a request in a document's path templates, as a server would route it.

export type RouteMatch =
  /** `template` as written in the document (`/orders/{id}/pay`). */
  | { kind: 'operation'; template: string; operation: Located }
  /** The path has a template but not this method. */
  | { kind: 'method-not-documented'; template: string }
  | { kind: 'no-path' };

const templateCache = new WeakMap<OpenApiDoc, { template: string; pattern: RegExp; params: number }[]>();

const patternOf = (template: string) =>
  new RegExp(
    `^${template
      .split(/(\{[^}/]+\})/)
      .map((part, i) => (i % 2 ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')}/?$`,
  );

/** The document's templates as patterns, concrete ones first (`/orders/stats` wins over `/orders/{id}`). */
function templatesOf(doc: OpenApiDoc) {
  let templates = templateCache.get(doc);
  if (!templates) {
    templates = Object.keys(doc.paths ?? {})
      .map((template) => ({ template, pattern: patternOf(template), params: template.split('{').length - 1 }))
      .sort((a, b) => a.params - b.params);
    templateCache.set(doc, templates);
  }
  return templates;
}

/** The operation for method and path (query string ignored); HEAD falls back to GET, as servers answer it. */
export function matchRoute(doc: OpenApiDoc, method: string, path: string): RouteMatch {
  const bare = path.split('?')[0]!;
  const found = templatesOf(doc).find(({ pattern }) => pattern.test(bare));
  if (!found) return { kind: 'no-path' };
  const item = deref(doc, doc.paths?.[found.template], child('#/paths', found.template));
  const asked = method.toLowerCase();
  const key = item && [asked, ...(asked === 'head' ? ['get'] : [])].find((m) => isObject(item.value[m]));
  const operation = item && key ? deref(doc, item.value[key], child(item.pointer, key)) : undefined;
  if (!operation) return { kind: 'method-not-documented', template: found.template };
  return { kind: 'operation', template: found.template, operation };
}
