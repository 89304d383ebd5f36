import { randomUUID } from 'node:crypto';
import { commandClient, queryClient } from '@order-engine/client';

// An open-loop client that behaves well: commands go out at a steady rate whatever the answers, each with an
// Idempotency-Key that every retry repeats; 503s, 5xx and network errors are retried with the same key until an
// answer is final or the command gives up. Reads of the newest acknowledged orders ask for their own writes.

export type CommandKind = 'order' | 'restock';

export interface SentCommand {
  kind: CommandKind;
  key: string;
  /** The fault row it belongs to: the one running when it was first sent. */
  phase: string;
  firstSentAt: number;
  attempts: number;
  outcome?: 'acknowledged' | 'refused' | 'gave-up';
  answeredAt?: number;
  status?: number;
  orderId?: string;
  sku?: string;
  position?: string;
  /** The problem type of a 4xx that ended it: every command the load sends is valid, so a fault caused it. */
  refusal?: string;
}

export interface PhaseCounters {
  /** 5xx answers other than 503, to commands and reads: a server that failed where it should have shed or waited. */
  errors5xx: number;
  status503: number;
  networkErrors: number;
  readsOk: number;
  readsFailed: number;
  examples: string[];
}

export interface LoadOptions {
  commandUrl: string;
  queryUrl: string;
  skus: readonly string[];
  ordersPerSecond: number;
  restocksPerSecond: number;
  readsPerSecond: number;
  requestTimeoutMs: number;
  giveUpAfterMs: number;
  maxInFlight: number;
}

interface GoodRead {
  sentAt: number;
  answeredAt: number;
  commandSentAt: number;
}

/** What the load reads of a command's answer: each call's typed answer is checked against it when compiled. */
interface CommandAnswer {
  data?: { position: string; orderId?: string };
  error?: unknown;
  response: Response;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A refusal's problem type, or the start of an answer that is no problem (a proxy's error page). */
const problemTypeOf = (error: unknown) =>
  typeof error === 'object' && error !== null && 'type' in error ? String(error.type) : String(error).slice(0, 80);

export function steadyLoad(options: LoadOptions) {
  const commandApi = commandClient(options.commandUrl);
  const queryApi = queryClient(options.queryUrl);
  const commands: SentCommand[] = [];
  const counters = new Map<string, PhaseCounters>();
  const goodReads: GoodRead[] = [];
  let phase = 'warm-up';
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let n = 0;

  const countersOf = (name: string): PhaseCounters => {
    let found = counters.get(name);
    if (!found)
      counters.set(
        name,
        (found = { errors5xx: 0, status503: 0, networkErrors: 0, readsOk: 0, readsFailed: 0, examples: [] }),
      );
    return found;
  };
  /** Keeps a few failed answers per phase, as status, request and problem type. */
  const note = (status: number, request: string, error: unknown) => {
    const c = countersOf(phase);
    if (c.examples.length < 5) c.examples.push(`${status} on ${request} (${problemTypeOf(error)})`);
  };

  type Request = (signal: AbortSignal) => Promise<CommandAnswer>;

  async function attempt(command: SentCommand, name: string, request: Request): Promise<'final' | 'retry'> {
    command.attempts++;
    try {
      const { data, error, response } = await request(AbortSignal.timeout(options.requestTimeoutMs));
      command.status = response.status;
      if (response.status === 503) {
        countersOf(phase).status503++;
        return 'retry';
      }
      if (response.status >= 500) {
        countersOf(phase).errors5xx++;
        note(response.status, name, error);
        return 'retry';
      }
      // The key's first request is still running (its answer not yet stored): ask again.
      if (response.status === 409 && problemTypeOf(error).includes('idempotency-key-in-use')) return 'retry';
      command.answeredAt = Date.now();
      if (response.ok) {
        command.outcome = 'acknowledged';
        command.position = data?.position;
        if (command.kind === 'order') command.orderId = data?.orderId;
      } else {
        command.outcome = 'refused';
        command.refusal = problemTypeOf(error);
      }
      return 'final';
    } catch {
      countersOf(phase).networkErrors++;
      return 'retry';
    }
  }

  async function send(command: SentCommand, name: string, request: Request): Promise<void> {
    inFlight++;
    try {
      while ((await attempt(command, name, request)) === 'retry') {
        if (Date.now() - command.firstSentAt > options.giveUpAfterMs) {
          command.outcome = 'gave-up';
          command.answeredAt = Date.now();
          return;
        }
        await sleep(200 + Math.random() * 300);
      }
    } finally {
      inFlight--;
    }
  }

  function newCommand(kind: CommandKind): SentCommand {
    const command: SentCommand = { kind, key: randomUUID(), phase, firstSentAt: Date.now(), attempts: 0 };
    commands.push(command);
    return command;
  }

  function placeOrder(i: number) {
    const sku = options.skus[i % options.skus.length]!;
    const command = newCommand('order');
    void send(command, 'POST /orders', (signal) =>
      commandApi.POST('/orders', {
        params: { header: { 'Idempotency-Key': command.key } },
        body: { customerId: `customer-${i % 40}`, lines: [{ sku, quantity: 1 + (i % 3) }] },
        signal,
      }),
    );
  }

  function restock(i: number) {
    const command = newCommand('restock');
    const sku = options.skus[(i * 7) % options.skus.length]!;
    command.sku = sku;
    void send(command, `POST /products/${sku}/restock`, (signal) =>
      commandApi.POST('/products/{sku}/restock', {
        params: { path: { sku }, header: { 'Idempotency-Key': command.key } },
        body: { quantity: 1 + (i % 5) },
        signal,
      }),
    );
  }

  /** Reads the newest acknowledged order, waiting for its own write; a good answer marks the path as working. */
  async function readNewest() {
    const newest = commands.findLast((c) => c.kind === 'order' && c.outcome === 'acknowledged');
    if (!newest) return;
    const sentAt = Date.now();
    inFlight++;
    try {
      const { error, response } = await queryApi.GET('/orders/{id}', {
        params: { path: { id: newest.orderId! }, header: { 'X-Min-Position': newest.position! } },
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
      if (response.status >= 500 && response.status !== 503) {
        countersOf(phase).errors5xx++;
        note(response.status, 'GET /orders/:id', error);
      }
      if (response.status === 200 && response.headers.get('x-stale') !== 'true') {
        countersOf(phase).readsOk++;
        goodReads.push({ sentAt, answeredAt: Date.now(), commandSentAt: newest.firstSentAt });
      } else countersOf(phase).readsFailed++;
    } catch {
      countersOf(phase).readsFailed++;
    } finally {
      inFlight--;
    }
  }

  // Ticks of 50 ms with fractional rates carried over, so each kind keeps its own rate.
  const due = { order: 0, restock: 0, read: 0 };
  const tick = () => {
    due.order += options.ordersPerSecond / 20;
    due.restock += options.restocksPerSecond / 20;
    due.read += options.readsPerSecond / 20;
    for (; due.order >= 1; due.order--) if (inFlight < options.maxInFlight) placeOrder(n++);
    for (; due.restock >= 1; due.restock--) if (inFlight < options.maxInFlight) restock(n++);
    for (; due.read >= 1; due.read--) if (inFlight < options.maxInFlight) void readNewest();
  };

  return {
    commands,
    countersOf,
    setPhase(name: string) {
      phase = name;
    },
    start() {
      timer = setInterval(tick, 50);
    },
    /** Stops sending new commands and waits (bounded) for the ones in flight to settle. */
    async stop(timeoutMs: number) {
      clearInterval(timer);
      const deadline = Date.now() + timeoutMs;
      while (inFlight > 0 && Date.now() < deadline) await sleep(100);
      return inFlight;
    },
    /**
     * When commands and reads worked again after `since`: the first read, sent after it, that saw its own write of an
     * order first sent after it too.
     */
    recoveredAt(since: number): number | undefined {
      return goodReads.find((r) => r.sentAt >= since && r.commandSentAt >= since)?.answeredAt;
    },
    /** The counters of every phase added up. */
    totals(): PhaseCounters {
      const all = [...counters.values()];
      const sum = (pick: (c: PhaseCounters) => number) => all.reduce((total, c) => total + pick(c), 0);
      return {
        errors5xx: sum((c) => c.errors5xx),
        status503: sum((c) => c.status503),
        networkErrors: sum((c) => c.networkErrors),
        readsOk: sum((c) => c.readsOk),
        readsFailed: sum((c) => c.readsFailed),
        examples: all.flatMap((c) => c.examples),
      };
    },
    /** What worked after `since`, for a fault that did not recover: commands acknowledged, reads of one's writes. */
    progressSince(since: number) {
      const acknowledged = commands.filter((c) => c.firstSentAt >= since && c.outcome === 'acknowledged').length;
      return { acknowledged, readsOk: goodReads.filter((r) => r.sentAt >= since).length };
    },
    /** Commands of the phase that have no final answer yet. */
    pending: (name: string) => commands.filter((c) => c.phase === name && c.outcome === undefined).length,
  };
}

export type SteadyLoad = ReturnType<typeof steadyLoad>;
