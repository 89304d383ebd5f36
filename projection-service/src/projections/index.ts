import { readModels, type Projection } from '@order-engine/shared';

/** The live version of every projection. A rebuild brings its next version beside it. */
export const liveProjections: readonly Projection[] = readModels;
