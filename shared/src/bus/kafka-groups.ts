import { logLevel } from 'kafkajs';
import type { Logger } from '../logging/logger.js';
import { kafkaClient, type KafkaSecurity } from './kafka-client.js';
import { kafkaLogCreator } from './kafka-log.js';
import './kafkajs-idle-timer.js'; // before any client connects: see there

// Removes a consumer group that is done for good (a retired projection version's). Without this its committed
// offsets stay on the broker until offsets.retention.minutes (7 days by default) after its last member left, and it
// shows in every listing of the cluster's groups meanwhile.

type DeleteGroupsError = Error & { groups?: { groupId: string; error?: { type?: string } }[] };

/**
 * Deletes the group; resolves also when it does not exist (it never consumed, or was deleted already). Rejects while
 * it still has members, or when Kafka cannot be reached: a later call can try again. With an authorizer, the principal
 * needs DELETE on the group.
 */
export async function deleteConsumerGroup(
  brokers: string[],
  groupId: string,
  logger: Logger,
  security?: KafkaSecurity,
): Promise<void> {
  // Quick to fail: the caller (a housekeeping tick, whose other tasks wait meanwhile) tries again later anyway.
  const admin = kafkaClient(
    {
      clientId: 'order-engine-janitor',
      brokers,
      connectionTimeout: 1_000,
      requestTimeout: 5_000,
      retry: { retries: 0 },
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(logger),
    },
    security,
  ).admin();
  await admin.connect();
  try {
    await admin.deleteGroups([groupId]);
  } catch (error) {
    const refusal = (error as DeleteGroupsError).groups?.find((group) => group.groupId === groupId)?.error?.type;
    if (refusal === 'GROUP_ID_NOT_FOUND') return;
    throw new Error(
      `cannot delete Kafka consumer group ${groupId}: ` +
        `${refusal ?? (error instanceof Error ? error.message : String(error))}`,
      { cause: error },
    );
  } finally {
    await admin.disconnect();
  }
}
