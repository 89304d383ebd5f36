export * from './backoff.js';
export * from './status.js';
export * from './processor.js';
export * from './reactor.js';
export * from './projector.js';
