// History for analysts (issue 5): HTTP routes, and the pieces the CLI reads history with.
export { HEAD_POSITION_HEADER, historyRoutes, type HistoryRoutesOptions } from './routes.js';
export { DEFAULT_PAGE_SIZE, pagesOfAll, pagesOfStream, startPages } from './event-pages.js';
export { eventFormats } from './formats.js';
export * from './params.js';
export { orderAt, productAt, type EntityAt, type OrderView, type ProductView, type TimeTravel } from './time-travel.js';
export { writeEvents, type WriteOutcome } from './write-events.js';
