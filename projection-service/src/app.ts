import { createApp, finishApp, type Logger } from '@order-engine/shared';
import type { Express } from 'express';
import type { ProjectionStatus } from './admin/projection-status.js';

/** The admin API: health, and every projection's checkpoint and lag. */
export function createProjectionApp(deps: { statuses: () => Promise<ProjectionStatus[]>; logger: Logger }): Express {
  const app = createApp('projection-service');
  app.get('/projections', async (_req, res) => {
    res.json(await deps.statuses());
  });
  return finishApp(app, deps.logger);
}
