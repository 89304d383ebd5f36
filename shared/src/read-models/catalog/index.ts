// The catalog read model, for both sides: the projection service writes it, the query service reads it.
export * from './catalog-view.js';
export * from './catalog-codec.js';
export * from './catalog-tables.js';
export * from './catalog.js';
export * from './catalog-writer.js';
export * from './catalog-reads.js';
