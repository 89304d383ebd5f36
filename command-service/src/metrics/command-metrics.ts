import type { Request } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import { DomainError, METRIC_PREFIX, ruleFor, WrongExpectedRevision, type EventStore } from '@order-engine/shared';
import type { CommandHandler } from '../handling/command-handler.js';

// What the command side counts: commands by type and outcome, appends (duration, events by type, conflicts that
// were retried) and idempotent replays. Registered on the command service's registry.

export type CommandOutcome = 'accepted' | 'refused' | 'conflict' | 'shed' | 'failed';

// A shed command was never parsed: its type is the one its route makes.
const commandOfRoute: Record<string, string> = {
  '/products': 'RegisterProduct',
  '/products/:sku/price': 'ChangePrice',
  '/products/:sku/restock': 'Restock',
  '/products/:sku/holds': 'PlaceHold',
  '/products/:sku/holds/:holdId': 'ReleaseHold',
  '/products/:sku/discontinue': 'DiscontinueProduct',
  '/orders': 'PlaceOrder',
  '/orders/:id/pay': 'PayOrder',
  '/orders/:id/ship': 'ShipOrder',
  '/orders/:id/deliver': 'DeliverOrder',
  '/orders/:id/cancel': 'CancelOrder',
};

export interface CommandMetrics {
  /** The handler, counting each command it decides by type and outcome (the saga's follow-ups included). */
  counted(commands: CommandHandler): CommandHandler;
  /** The store, timing its appends and counting their events and conflicts. */
  timed(store: EventStore): EventStore;
  /** Counts a command shed by admission (a 503 before the command was read). */
  shed(req: Request): void;
  replayed(): void;
}

export function commandMetrics(registry: Registry): CommandMetrics {
  const registers = [registry];
  const commands = new Counter({
    name: `${METRIC_PREFIX}commands_total`,
    help: 'Commands by type and outcome: accepted, refused (by the domain), conflict (retries ran out), shed, failed.',
    labelNames: ['type', 'outcome'] as const,
    registers,
  });
  const appendSeconds = new Histogram({
    name: `${METRIC_PREFIX}append_duration_seconds`,
    help: 'Time one append to the event store took, conflicts included.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const appended = new Counter({
    name: `${METRIC_PREFIX}events_appended_total`,
    help: 'Events appended to the event store, by type.',
    labelNames: ['type'] as const,
    registers,
  });
  const conflicts = new Counter({
    name: `${METRIC_PREFIX}append_conflicts_total`,
    help: 'Appends refused by the expected revision: each is decided again on a fresh read, up to the retry limit.',
    registers,
  });
  const replays = new Counter({
    name: `${METRIC_PREFIX}idempotent_replays_total`,
    help: 'Requests with an Idempotency-Key already executed, answered without executing again.',
    registers,
  });

  const outcomeOf = (error: unknown): CommandOutcome =>
    error instanceof DomainError ? 'refused' : error instanceof WrongExpectedRevision ? 'conflict' : 'failed';
  const count = async <R>(type: string, run: () => Promise<R>): Promise<R> => {
    try {
      const result = await run();
      commands.inc({ type, outcome: 'accepted' });
      return result;
    } catch (error) {
      commands.inc({ type, outcome: outcomeOf(error) });
      throw error;
    }
  };

  return {
    counted: (handler) => ({
      ...handler,
      product: (command, metadata) => count(command.type, () => handler.product(command, metadata)),
      order: (command, metadata, known) => count(command.type, () => handler.order(command, metadata, known)),
    }),
    timed: (store) => ({
      ...store,
      append: async (streamId, events, options) => {
        const stop = appendSeconds.startTimer();
        try {
          const result = await store.append(streamId, events, options);
          for (const event of events) appended.inc({ type: event.type });
          return result;
        } catch (error) {
          if (error instanceof WrongExpectedRevision) conflicts.inc();
          throw error;
        } finally {
          stop();
        }
      },
    }),
    shed: (req) => {
      const route = ruleFor(req.method, req.path)?.path;
      commands.inc({ type: (route && commandOfRoute[route]) ?? 'unknown', outcome: 'shed' });
    },
    replayed: () => replays.inc(),
  };
}
