export * from './services.js';
export * from './names.js';
export * from './decider-spec.js';
export * from './pglite.js';
export * from '../event-store/event-store.contract.js';
export * from '../cache/cache.contract.js';
export * from './kafka.js';
export * from './tcp-proxy.js';
