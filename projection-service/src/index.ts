// What the embedded composition root and the other services use from projection-service.
export { createProjectionService, type ProjectionService, type ProjectionServiceOptions } from './service.js';
export { migrateReadModels } from './read-models/migrate.js';
export { createProjectionRunner, type ProjectionRunner, type ProjectionRunnerOptions } from './runner/runner.js';
export { readCheckpoint } from './runner/checkpoints.js';
export { projectionStatuses, type ProjectionStatus } from './admin/projection-status.js';
export { createProjectionApp } from './app.js';
export { liveProjections } from './projections/index.js';
export type { CacheWrite, Projection } from './projections/projection.js';
export { catalogProjection, productViewFromRow } from './projections/catalog/catalog-writer.js';
export { ordersProjection, orderViewFromRow } from './projections/orders/orders-writer.js';
export { salesProjection, salesDayViewFromRow } from './projections/sales/sales-writer.js';
export { projectProduct, productView, type ProductRow } from './projections/catalog/catalog.js';
export { projectOrder, orderView, type OrderRow } from './projections/orders/orders.js';
export { projectSalesOrder, salesOf, type SalesOrderRow } from './projections/sales/sales.js';
