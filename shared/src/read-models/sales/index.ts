// The sales read model, for both sides: the projection service writes it, the query service reads it.
export * from './sales-view.js';
export * from './sales-codec.js';
export * from './sales-tables.js';
export * from './sales.js';
export * from './sales-writer.js';
export * from './sales-reads.js';
