export * from './http.js';
export * from './test-command-service.js';
export * from './databases.js';
