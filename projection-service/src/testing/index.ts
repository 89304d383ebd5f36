export * from './sample-history.js';
export * from './recorded.js';
export * from './read-model-dump.js';
