import { Worker } from 'node:worker_threads';
import { SqlUnavailable } from './pg-sql.js';
import type { WorkerError, WorkerMessage, WorkerOptions, WorkerRequest } from './pglite-worker.js';
import { assertIdentifier, type Row, type Sql, type SqlExecutor } from './sql.js';

// The Sql port over PGlite running in a worker thread (pglite-worker.ts). PGlite's WASM and its JS protocol layer
// take most of a process's CPU under load; on the main thread they compete with HTTP and projections for one core.
// Each call is one message and one answer (30 to 50 µs of this thread's time instead of the whole query's), and
// rows come back by structured clone, which keeps Dates and parsed JSON, so callers see what pgliteSql gives them,
// errors included (code, detail, ...). The price: every call now waits for an event-loop turn of this thread, so
// when HTTP saturates it, chains of queries (saga, projections) slow down; in-process PGlite never yielded.
// As with pgliteSql, a transaction holds PGlite's only connection: inside transaction(fn) use the `tx` given.

/** A request before call() numbers it. */
type Unnumbered<R> = R extends WorkerRequest ? Omit<R, 'id'> : never;
type Request = Unnumbered<WorkerRequest>;

export interface PgliteWorkerOptions {
  /** Called once when the worker dies under its callers (not on close()): every call fails from then on. */
  onWorkerLost?: (error: Error) => void;
}

/** The Sql of a PGlite worker, with a test hook that kills the worker as a crash would. */
export interface PgliteWorkerSql extends Sql {
  terminateWorker(): Promise<void>;
}

/** Opens PGlite in a worker on a data directory (created if missing), or in memory without one. */
export async function openPgliteWorker(dataDir?: string, options: PgliteWorkerOptions = {}): Promise<PgliteWorkerSql> {
  const worker = spawn({ dataDir });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const listeners = new Map<number, (payload: string) => void>();
  let nextId = 1;
  // Set once the worker is gone or closing: every later call fails with it instead of waiting forever.
  let stopped: Error | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if ('ready' in message) return resolve();
      if ('notify' in message) return listeners.get(message.notify)?.(message.payload);
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) call?.resolve(message.value);
      else call?.reject(toError(message.error));
    });
    const stop = (error: Error) => {
      if (stopped === undefined) options.onWorkerLost?.(error);
      stopped ??= error;
      reject(stopped);
      for (const call of pending.values()) call.reject(stopped);
      pending.clear();
    };
    worker.on('error', (error) => stop(new SqlUnavailable(`PGlite worker failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => stop(new SqlUnavailable(`PGlite worker exited (code ${code})`)));
  });

  function call<T>(request: Request, id = nextId++): Promise<T> {
    if (stopped !== undefined) return Promise.reject(stopped);
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  }

  const executor = (tx?: number): SqlExecutor => ({
    query: <R extends Row = Row>(text: string, params: readonly unknown[] = []) =>
      call<R[]>({ op: 'query', text, params: params.map(toParam), tx }),
    exec: (text) => call<void>({ op: 'exec', text, tx }),
  });

  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }

  return {
    ...executor(),
    parallelism: 1,
    async transaction(fn) {
      // The first statements follow the begin without waiting for its answer (the worker holds them until the
      // transaction has begun): a round trip less while the transaction holds PGlite's only connection.
      const tx = nextId++;
      const begun = call<number>({ op: 'begin' }, tx);
      begun.catch(() => {});
      let result;
      try {
        result = await fn(executor(tx));
        await begun;
      } catch (error) {
        // The rollback's own failure (a dead worker) must not hide why the transaction failed.
        await call({ op: 'rollback', tx }).catch(() => {});
        // Statements sent behind a BEGIN that failed fail for want of the transaction: the BEGIN's error says why.
        throw await begun.then(
          () => error,
          (beginError: unknown) => beginError,
        );
      }
      // The worker ends the transaction whether COMMIT succeeds or not; a failed one rejects here.
      await call({ op: 'commit', tx });
      return result;
    },
    async listen(channel, onNotify) {
      const listener = await call<number>({ op: 'listen', channel: assertIdentifier(channel) });
      listeners.set(listener, onNotify);
      return async () => {
        listeners.delete(listener);
        await call({ op: 'unlisten', listener });
      };
    },
    async terminateWorker() {
      await worker.terminate();
    },
    async close() {
      if (stopped !== undefined) return;
      const closing = call({ op: 'close' });
      stopped = new Error('PGlite worker is closed');
      try {
        await closing;
      } finally {
        // A live worker keeps the process running: terminating it lets the process exit once everything is closed.
        await worker.terminate();
      }
    },
  };
}

/** The worker entry is the .js file next to this one once compiled, the .ts file under tsx and vitest. */
function spawn(options: WorkerOptions): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: options });
  // Node 20 does not apply loaders to a worker (`--import tsx` in execArgv has no effect: nodejs/node#47747), and
  // vitest's parent has no loader at all. So a JS bootstrap registers tsx inside the worker, then imports the entry.
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./pglite-worker.ts', import.meta.url).href;
  const bootstrap =
    `import(${JSON.stringify(tsx)})` + `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

/**
 * An Error with the fields PGlite's DatabaseError has (code, detail, constraint, where, ...), as callers check them.
 */
function toError(fields: WorkerError): Error {
  return Object.assign(new Error(fields.message), fields);
}

function toParam(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
