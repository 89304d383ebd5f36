import type { ProjectionPaths } from '@order-engine/client';
import type { ProjectionStatus } from '@order-engine/client';

/** The names the projection routes accept in their path. */
export type ProjectionName = ProjectionPaths['/projections/{name}/rebuild']['post']['parameters']['path']['name'];

// The names come from GET /projections, which lists exactly the projections the routes accept.
export const projectionNameOf = (status: Pick<ProjectionStatus, 'name'>): ProjectionName =>
  status.name as ProjectionName;
