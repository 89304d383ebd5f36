// The orders read model, for both sides: the projection service writes it, the query service reads it.
export * from './order-view.js';
export * from './order-codec.js';
export * from './order-tables.js';
export * from './orders.js';
export * from './orders-writer.js';
export * from './order-reads.js';
