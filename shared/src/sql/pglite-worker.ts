import { mkdir } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { statementCache } from './pglite-statements.js';

// The worker side of openPgliteWorker (pglite-worker-sql.ts): PGlite and its WASM run on this thread, so the
// parent's event loop (HTTP, projections) and the database each get a core. It answers one message per request.

/** A request from the parent; `tx` names the transaction (the id of its `begin`) a query or exec belongs to. */
export type WorkerRequest =
  | { id: number; op: 'query'; text: string; params: unknown[]; tx?: number }
  | { id: number; op: 'exec'; text: string; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'commit' | 'rollback'; tx: number }
  | { id: number; op: 'listen'; channel: string }
  | { id: number; op: 'unlisten'; listener: number }
  | { id: number; op: 'close' };

/**
 * The error's own fields (code, detail, constraint, where, ...) as plain data: structured clone drops them from an
 * Error.
 */
export type WorkerError = { message: string } & Record<string, unknown>;

export type WorkerMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WorkerError }
  | { notify: number; payload: string }
  | { ready: true };

export interface WorkerOptions {
  dataDir?: string;
}

interface OpenTransaction {
  tx: Transaction;
  /** Ends the transaction: db.transaction commits when its callback returns and rolls back when it throws. */
  end(outcome: 'commit' | 'rollback'): void;
  /** Settles when PGlite has run COMMIT or ROLLBACK and released its lock. */
  done: Promise<void>;
}

if (parentPort === null) throw new Error('pglite-worker.ts runs as a worker thread (see openPgliteWorker)');
const port = parentPort;

const { dataDir } = workerData as WorkerOptions;
// PGlite creates only the last directory of the path.
if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
const statements = statementCache(db);
const transactions = new Map<number, Promise<OpenTransaction>>();
const unlisteners = new Map<number, () => Promise<void>>();

class RolledBack extends Error {}

/**
 * Opens a transaction and keeps PGlite's lock until the parent commits or rolls back; outside queries queue meanwhile.
 * It is known by its id at once: the parent's first statements may arrive before it has begun, and wait for it.
 */
function begin(id: number): Promise<number> {
  const opened = new Promise<OpenTransaction>((started, failed) => {
    let end!: (outcome: 'commit' | 'rollback') => void;
    const ended = new Promise<'commit' | 'rollback'>((resolve) => (end = resolve));
    const done = db.transaction(async (tx) => {
      started({ tx, end, done });
      if ((await ended) === 'rollback') throw new RolledBack();
    });
    const forget = () => transactions.delete(id);
    // A BEGIN that fails never started: report that to the parent's begin. Later failures go to its commit.
    done.then(forget, (error: unknown) => {
      forget();
      failed(error);
    });
  });
  transactions.set(id, opened);
  return opened.then(() => id);
}

async function finish(txId: number, outcome: 'commit' | 'rollback'): Promise<void> {
  const opening = transactions.get(txId);
  // Already gone: a failed COMMIT rolled it back, and the parent's rollback after that has nothing left to do.
  if (opening === undefined) return;
  const open = await opening.catch(() => undefined);
  if (open === undefined) return;
  open.end(outcome);
  await open.done.catch((error: unknown) => {
    if (!(error instanceof RolledBack)) throw error;
  });
}

async function transaction(txId: number | undefined): Promise<Transaction | undefined> {
  if (txId === undefined) return undefined;
  const opening = transactions.get(txId);
  if (opening === undefined) throw new Error(`no open transaction ${txId} (it was committed or rolled back)`);
  return (await opening).tx;
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'query':
      return statements.query(request.text, request.params, await transaction(request.tx));
    case 'exec':
      // Only DDL comes through exec: the prepared statements' plans may name what it changed.
      try {
        await ((await transaction(request.tx)) ?? db).exec(request.text);
      } finally {
        await statements.forget();
      }
      return undefined;
    case 'begin':
      return begin(request.id);
    case 'commit':
    case 'rollback':
      return finish(request.tx, request.op);
    case 'listen': {
      // The channel was checked by assertIdentifier in the parent: PGlite interpolates it into LISTEN unquoted.
      const listener = request.id;
      unlisteners.set(listener, await db.listen(request.channel, (payload) => post({ notify: listener, payload })));
      return listener;
    }
    case 'unlisten':
      await unlisteners.get(request.listener)?.();
      unlisteners.delete(request.listener);
      return undefined;
    case 'close':
      await db.close();
      return undefined;
    default: {
      const unhandled: never = request;
      throw new Error(`unhandled request ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * Keeps PGlite's DatabaseError fields (code, detail, constraint, schema, table, column, where, ...) that clone would
 * drop.
 */
function toWorkerError(error: unknown): WorkerError {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: WorkerError = { message: error.message, name: error.name };
  for (const [key, value] of Object.entries(error)) {
    // Primitives and arrays (a query's params, which came from the parent) clone; anything else is left out.
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fields[key] = value;
  }
  return fields;
}

function post(message: WorkerMessage): void {
  port.postMessage(message);
}

function answer(id: number, value: unknown): void {
  try {
    post({ id, ok: true, value });
  } catch (error) {
    // A value structured clone cannot copy fails this call only, rather than crashing the worker and every caller.
    post({ id, ok: false, error: toWorkerError(error) });
  }
}

await db.waitReady;
// PGlite runs PostgreSQL in single-user mode: no autovacuum, so no ANALYZE ever replans a prepared statement. Its
// generic plan, chosen once while the tables were empty (a hash join over a sequential scan), would then read every
// row of a read model for each batch as the tables grow. Each execution is planned for the tables as they are.
await db.exec('set plan_cache_mode = force_custom_plan');
port.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (value) => answer(request.id, value),
    (error: unknown) => post({ id: request.id, ok: false, error: toWorkerError(error) }),
  );
});
// Tells the parent that PGlite is ready: openPgliteWorker resolves on it, as openPglite resolves on waitReady.
post({ ready: true });
