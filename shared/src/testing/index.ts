export * from './services.js';
export * from './names.js';
export * from './decider-spec.js';
