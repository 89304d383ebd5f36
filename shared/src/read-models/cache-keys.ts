// Keys carry the projection's schema (e.g. `catalog_v2:product:lamp`): a rebuilt version never serves a view cached
// from the version before it, and the old version's entries stop being read (the janitor deletes them with its schema).

/** The cache key of one entity (a product, an order) of a read model: `<schema>:<kind>:<id>`. */
export interface EntityCacheKey<Kind extends string = string> {
  readonly kind: Kind;
  of(schema: string, id: string): string;
}

export const entityCacheKey = <Kind extends string>(kind: Kind): EntityCacheKey<Kind> => ({
  kind,
  of: (schema, id) => `${schema}:${kind}:${id}`,
});

/** What every key of one projection version starts with. */
export const versionKeyPrefix = (schema: string): string => `${schema}:`;
