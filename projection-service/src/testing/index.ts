export * from './sample-history.js';
export * from './recorded.js';
export * from './read-model-dump.js';
export * from './generated-history.js';
export * from './bulk-load.js';
export * from './rebuild-world.js';
