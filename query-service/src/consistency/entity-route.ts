import {
  NotFound,
  ownCustomer,
  type Entity,
  type EntityCacheKey,
  type ProjectionName,
  type SqlExecutor,
} from '@order-engine/shared';
import { Router } from 'express';
import type { z } from 'zod';
import { JSON_CONTENT_TYPE } from './cache-aside.js';
import { entityParams, type EntityApi } from './entity-route-api.js';
import type { ReadEntity } from './entity-read.js';
import { minPositionOf, setReadPosition } from './read-position-headers.js';

// A GET of one view by its id (a product, an order, a customer's summary): cache first, PostgreSQL behind, waiting for
// X-Min-Position, 404 when no such view exists. Every entity route is served the same way, from its declaration.

export interface EntityRoute {
  /** An Express path with one parameter, the view's id: `/products/:sku`. */
  path: string;
  /** The id's rules: a request that breaks them gets a 400 problem naming the parameter. */
  id: z.ZodType<string>;
  /** The read model holding the view; its checkpoint is what X-Min-Position waits for. */
  projection: ProjectionName;
  /** The view's cache key; its kind names the entity in a 404. */
  cacheKey: EntityCacheKey<Entity>;
  load(db: SqlExecutor, schema: string, id: string): Promise<{ revision: number } | undefined>;
  /**
   * Which customer a view is of (its id is the customer's, or its `customerId` field names it): a customer caller
   * sees its own only, and another's is missing for it.
   */
  ownedBy?: 'id' | 'customerId';
  /** What the API description says of it. */
  api: EntityApi;
}

interface OwnedView {
  customerId?: unknown;
}

export const entityRoute = (route: EntityRoute): EntityRoute => route;

/** The path of one view, as a client asks for it. */
export const entityPath = (route: EntityRoute, id: string): string =>
  route.path.replace(/:\w+/, encodeURIComponent(id));

export interface EntityRoutesOptions {
  readDb: SqlExecutor;
  /** A projection's live schema, resolved per read (and again after waiting: a rebuild's switch is followed). */
  schemaOf: (name: ProjectionName) => () => Promise<string>;
  readEntity: ReadEntity;
}

export function entityRoutes(routes: readonly EntityRoute[], { readDb, schemaOf, readEntity }: EntityRoutesOptions) {
  const router = Router();
  for (const { path, id: idRule, projection, cacheKey, load, ownedBy } of routes) {
    const { param, Params } = entityParams(path, idRule);
    router.get(path, async (req, res) => {
      const id = Params.parse(req.params)[param] as string;
      const customer = ownedBy && ownCustomer(res);
      if (customer !== undefined && ownedBy === 'id' && id !== customer) throw new NotFound(cacheKey.kind, id);
      const { json, cache, readPosition } = await readEntity(minPositionOf(req), {
        projection,
        schema: schemaOf(projection),
        key: (live) => cacheKey.of(live, id),
        load: (live) => load(readDb, live, id),
      });
      if (readPosition) setReadPosition(res, readPosition);
      res.setHeader('X-Cache', cache);
      if (json === undefined) throw new NotFound(cacheKey.kind, id);
      if (customer !== undefined && ownedBy === 'customerId' && (JSON.parse(json) as OwnedView).customerId !== customer)
        throw new NotFound(cacheKey.kind, id);
      res.setHeader('Content-Type', JSON_CONTENT_TYPE).send(json);
    });
  }
  return router;
}
