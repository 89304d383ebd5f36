// The customers read model, for both sides: the projection service writes it, the query service reads it.
export * from './customer-view.js';
export * from './customer-codec.js';
export * from './customer-tables.js';
export * from './customers.js';
export * from './customers-writer.js';
export * from './customer-reads.js';
