// "What changed" between two states of an entity: every leaf field that differs, by its path
// (`lines[0].quantity`, `holds.window-1.reason`), so a change deep in a nested object shows as one line.

export interface FieldChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

type Node = Record<string, unknown> | unknown[];

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

const childPath = (parent: string, key: string, inArray: boolean): string =>
  inArray ? `${parent}[${key}]` : parent === '' ? key : `${parent}.${key}`;

function keysOf(before: Node, after: Node): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return Array.isArray(before) && Array.isArray(after)
    ? [...keys].sort((a, b) => Number(a) - Number(b))
    : [...keys].sort();
}

function compare(before: unknown, after: unknown, path: string, changes: FieldChange[]): void {
  if (Object.is(before, after)) return;
  if (before === undefined) return void changes.push({ path, kind: 'added', after });
  if (after === undefined) return void changes.push({ path, kind: 'removed', before });
  if (!isNode(before) || !isNode(after) || Array.isArray(before) !== Array.isArray(after))
    return void changes.push({ path, kind: 'changed', before, after });
  const inArray = Array.isArray(before);
  for (const key of keysOf(before, after))
    compare(
      (before as Record<string, unknown>)[key],
      (after as Record<string, unknown>)[key],
      childPath(path, key, inArray),
      changes,
    );
}

/** The fields that differ from `before` to `after`, sorted by path within each object. */
export function diffStates(before: unknown, after: unknown): FieldChange[] {
  const changes: FieldChange[] = [];
  compare(before, after, '', changes);
  return changes;
}
