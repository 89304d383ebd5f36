export * from './identity.js';
export * from './api-keys.js';
export * from './jwt.js';
export * from './policy.js';
export * from './access.js';
export * from './access-config.js';
