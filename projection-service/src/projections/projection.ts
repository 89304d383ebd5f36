// The projection definition lives with the read models in shared; the runner's modules import it from here.
export {
  foldRows,
  isoText,
  keysOf,
  type CacheWrite,
  type Projection,
  type ProjectionTable,
} from '@order-engine/shared';
