import { context, SpanKind } from '@opentelemetry/api';
import {
  DomainError,
  spanAttr,
  inSpan,
  orderStream,
  productStream,
  withTrace,
  type EventMetadata,
  type GlobalPosition,
} from '@order-engine/shared';
import type { CommandHandler } from './command-handler.js';

// Every command, from a route or the saga, in a span `command <type>` under the current one (the request's, or the
// saga's event's). Its events carry that span's trace context in their metadata (docs/tracing.md), so the relay,
// Kafka, the saga and the projections continue the command's trace.

type Run<R> = (metadata: EventMetadata | undefined) => Promise<R>;

function inCommandSpan<R extends { events: readonly unknown[]; position: GlobalPosition }>(
  type: string,
  streamId: string,
  metadata: EventMetadata | undefined,
  run: Run<R>,
): Promise<R> {
  const attributes = { [spanAttr.commandType]: type, [spanAttr.streamId]: streamId };
  // A refusal is the command's answer (a 4xx), not a failure of the engine.
  const expected = (error: unknown) => error instanceof DomainError;
  return inSpan(
    `command ${type}`,
    { kind: SpanKind.INTERNAL, attributes, expected },
    context.active(),
    async (span) => {
      if (!span.isRecording()) return run(metadata);
      const result = await run(withTrace(metadata ?? {}, span));
      span.setAttributes({ [spanAttr.events]: result.events.length, [spanAttr.position]: result.position.toString() });
      return result;
    },
  );
}

export const tracedCommands = (handler: CommandHandler): CommandHandler => ({
  ...handler,
  product: (command, metadata) =>
    inCommandSpan(command.type, productStream(command.data.sku), metadata, (traced) =>
      handler.product(command, traced),
    ),
  order: (command, metadata, known) =>
    inCommandSpan(command.type, orderStream(command.data.orderId), metadata, (traced) =>
      handler.order(command, traced, known),
    ),
});
