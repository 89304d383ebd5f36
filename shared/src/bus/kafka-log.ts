import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '../logging/logger.js';

// A rebalance is routine in a consumer group (a member joins, leaves or restarts), but kafkajs reports the broker's
// "rebalance in progress" answer to a heartbeat as an error: that would page someone for a deploy.
const routineRebalance = (message: string, fields: Record<string, unknown>): boolean =>
  (message.startsWith('Response Heartbeat') || message.startsWith('The group is rebalancing')) &&
  /rebalanc/i.test(String(fields.error ?? ''));

/** Routes kafkajs's own log lines (the client is created at WARN) into our structured logger. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const {
        message,
        timestamp: _timestamp,
        logger: _name,
        ...fields
      } = log as { message: string; timestamp?: string; logger?: string };
      const write = routineRebalance(message, fields)
        ? logger.info
        : level === logLevel.ERROR
          ? logger.error
          : level === logLevel.WARN
            ? logger.warn
            : logger.debug;
      write(message, { namespace, ...fields });
    };
}
