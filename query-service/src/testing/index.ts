export * from './read-model-rows.js';
export * from './query-fixture.js';
