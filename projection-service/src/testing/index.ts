export * from './sample-history.js';
export { eventRecorder, streamOf } from '@order-engine/shared/testing';
export * from './read-model-dump.js';
export * from './generated-history.js';
export * from './bulk-load.js';
export * from './rebuild-world.js';
