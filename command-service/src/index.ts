export { createCommandService, FULFILMENT_SAGA, type CommandService, type CommandServiceOptions } from './app.js';
export { sameHostQueryUrl, type QueryUrl } from './http/read-location.js';
export { handleCommand, DEFAULT_RETRIES, type HandleOptions, type HandleResult } from './handling/handle-command.js';
export {
  commandHandler,
  type CommandHandler,
  type CommandHandlerOptions,
  type OrderResult,
  type ProductResult,
} from './handling/command-handler.js';
export { loadStream, stateCache, type StateCache, type StreamState } from './handling/stream-state.js';
export { checkpointedConsumer, type Consumer, type ConsumerStatus } from './saga/consumer.js';
export { sqlCheckpointStore, type CheckpointStore } from './saga/checkpoints.js';
export { fulfilmentReactions, fulfilmentSaga, FULFILMENT_EVENT_TYPES, type SagaCommand } from './saga/fulfilment.js';
export { sqlIdempotencyStore, type IdempotencyStore } from './idempotency/idempotency-store.js';
export { migrateCommandStorage } from './storage/migrate.js';
export * from './relay/index.js';
