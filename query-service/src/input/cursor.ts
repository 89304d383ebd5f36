import { z } from 'zod';

// Keyset pagination: a cursor is the sort key of the last item served, as base64url JSON. It is opaque to
// clients, and decoded through a schema, so a forged or truncated cursor is a 400 and never reaches SQL unchecked.

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A page's schema in the API description, named `id` there. */
export const pageOf = (item: z.ZodType, id: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Send it as `cursor` for the next page; null on the last page.' }),
    })
    .meta({ id });

const MAX_CURSOR_LENGTH = 512;

export const encodeCursor = (key: object): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/** A query parameter that decodes into the given key schema. */
export function cursorParam<K extends z.ZodType>(key: K) {
  return z
    .string()
    .min(1)
    .max(MAX_CURSOR_LENGTH)
    .transform((text, ctx): z.output<K> => {
      const decoded = decode(text);
      const parsed = key.safeParse(decoded);
      if (decoded === undefined || !parsed.success) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor this endpoint issued; start again without one' });
        return z.NEVER;
      }
      return parsed.data;
    });
}

/** The cursor query parameter of a paged route. */
export const pageCursor = <K extends z.ZodType>(key: K) =>
  cursorParam(key)
    .optional()
    .meta({ description: "The previous page's nextCursor (opaque); none for the first page." });

function decode(text: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Turns rows fetched with `limit + 1` into a page: the extra row only says that another page exists,
 * so the cursor points at the last row served, and the next page starts right after it.
 */
export function toPage<R, T>(
  rows: readonly R[],
  limit: number,
  view: (row: R) => T,
  keyOf: (row: R) => object,
): Page<T> {
  const served = rows.slice(0, limit);
  const last = served.at(-1);
  return {
    items: served.map(view),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
