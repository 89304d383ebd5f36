// What the embedded composition root and the other services use from projection-service.
export {
  createProjectionService,
  defaultRebuildSettings,
  rebuildSettings,
  type ProjectionService,
  type ProjectionServiceOptions,
  type RebuildSettings,
} from './service.js';
export { migrateReadModels } from './read-models/migrate.js';
export {
  createProjectionRunner,
  type CheckpointAdvance,
  type ProjectionRunner,
  type ProjectionRunnerOptions,
} from './runner/runner.js';
export { readCheckpoint } from './runner/checkpoints.js';
export { projectionStatuses, type ProjectionStatus, type RebuildProgress } from './admin/projection-status.js';
export type { DeadLetterView } from './admin/dead-letters.js';
export type { RebuildJob } from './rebuild/jobs.js';
export type { VerifyReport } from './rebuild/verify.js';
export { createProjectionApp } from './app.js';
export { liveProjections } from './projections/index.js';
export type { CacheWrite, Projection, ProjectionTable } from '@order-engine/shared';
export { consoleDist, sameHostApis, type ConsoleOptions } from './console/console-routes.js';
