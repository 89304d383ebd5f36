import { answerViolations } from './answer-check.js';
import { NULL_BODY_STATUSES, tapBody, type TappedBody } from './body-tap.js';
import { isOpenApi31, type OpenApiDoc } from './openapi-doc.js';

// A fetch that checks every answer against the API description its origin serves (GET /openapi.json, OpenAPI 3.1),
// in the background: the caller gets the answer fetch gave (its body passed through a tap, see body-tap.ts).

export interface ContractCheckOptions {
  /** The fetch that sends the requests; default: globalThis.fetch when the check is made. */
  rawFetch?: typeof fetch;
  /** Where an origin serves its description (default `/openapi.json`); an origin without one is not checked. */
  specPath?: string;
  /** A body past this many bytes is judged on what arrived (default 16 MiB). */
  maxBodyBytes?: number;
}

export interface ContractCheck {
  /** fetch, with the answers of every origin that describes itself checked. */
  readonly fetch: typeof fetch;
  /** Puts the checked fetch in globalThis.fetch; uninstall puts the raw one back. */
  install(): void;
  uninstall(): void;
  /**
   * Gives answers still being read graceMs (default 2 s) to end, judges the rest on what arrived (a stream the caller
   * abandoned), then hands over the violations recorded so far and forgets them.
   */
  takeViolations(graceMs?: number): Promise<string[]>;
}

export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

interface Pending {
  done: Promise<void>;
  stop(): void;
}

// A checked fetch keeps its raw one here, so that a check made over another (a file whose afterAll never ran) checks once.
const RAW = Symbol('raw fetch');
type Wrapped = typeof fetch & { [RAW]?: typeof fetch };

export function contractCheck(options: ContractCheckOptions = {}): ContractCheck {
  const rawFetch = options.rawFetch ?? (globalThis.fetch as Wrapped)[RAW] ?? globalThis.fetch;
  const specPath = options.specPath ?? '/openapi.json';
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  // An origin's description: null once it is known to have none, a promise while it is asked.
  const docs = new Map<string, OpenApiDoc | null | Promise<OpenApiDoc | null | undefined>>();
  const pending = new Set<Pending>();
  const violations: string[] = [];

  /** The description, null for none, undefined when the origin could not say (down, 5xx): asked again next time. */
  async function loadDoc(origin: string): Promise<OpenApiDoc | null | undefined> {
    try {
      const answer = await rawFetch(`${origin}${specPath}`, { signal: AbortSignal.timeout(5_000) });
      if (answer.status >= 500) return void (await answer.body?.cancel());
      if (answer.status !== 200) return (await answer.body?.cancel(), null);
      const doc: unknown = await answer.json().catch(() => null);
      return isOpenApi31(doc) ? doc : null;
    } catch {
      return undefined;
    }
  }

  async function docOf(origin: string): Promise<OpenApiDoc | null | undefined> {
    const known = docs.get(origin);
    if (known !== undefined) return known;
    const loading = loadDoc(origin);
    docs.set(origin, loading);
    const doc = await loading;
    if (doc === undefined) docs.delete(origin);
    else docs.set(origin, doc);
    return doc;
  }

  async function inspect(method: string, url: URL, answer: Response, tap: TappedBody | undefined, stop: AbortSignal) {
    const stopped = new Promise<'stopped'>((resolve) => stop.addEventListener('abort', () => resolve('stopped')));
    const doc = await Promise.race([docOf(url.origin), stopped]);
    if (!doc || doc === 'stopped') return tap?.stop();
    const { text, truncated } = tap ? await tap.text : { text: '', truncated: false };
    const path = `${url.pathname}${url.search}`;
    const { status, headers } = answer;
    violations.push(...answerViolations(doc, { method, path, status, headers, body: text, truncated }));
  }

  const checkedFetch: typeof fetch = async (input, init) => {
    const response = await rawFetch(input, init);
    const request = input instanceof Request ? input : undefined;
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const url = new URL(response.url || (request ? request.url : String(input)));
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || docs.get(url.origin) === null) return response;
    // A CORS preflight asks the browser's question, not the API's: OpenAPI describes what it precedes.
    if (method === 'OPTIONS') return response;
    const tap = response.body && !NULL_BODY_STATUSES.has(response.status) ? tapBody(response, maxBodyBytes) : undefined;
    const stop = new AbortController();
    const entry: Pending = {
      stop: () => (tap?.stop(), stop.abort()),
      done: inspect(method, url, response, tap, stop.signal)
        .catch((error: unknown) => void violations.push(`the contract check failed on ${method} ${url}: ${error}`))
        .finally(() => pending.delete(entry)),
    };
    pending.add(entry);
    return tap?.response ?? response;
  };
  (checkedFetch as Wrapped)[RAW] = rawFetch;

  return {
    fetch: checkedFetch,
    install: () => void (globalThis.fetch = checkedFetch),
    uninstall: () => void (globalThis.fetch = rawFetch),
    async takeViolations(graceMs = 2_000) {
      const waiting = [...pending];
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([Promise.all(waiting.map((p) => p.done)), grace]);
      clearTimeout(timer);
      for (const p of waiting) p.stop();
      await Promise.all(waiting.map((p) => p.done));
      return violations.splice(0);
    },
  };
}

/** The error the e2e hook throws: every violation recorded since the last call, each once with how often it came. */
export async function contractFailure(check: ContractCheck, graceMs?: number): Promise<ContractViolation | undefined> {
  const violations = await check.takeViolations(graceMs);
  if (!violations.length) return undefined;
  const counts = new Map<string, number>();
  for (const violation of violations) counts.set(violation, (counts.get(violation) ?? 0) + 1);
  const lines = [...counts].map(([violation, n]) => `  ${violation}${n > 1 ? ` (${n} times)` : ''}`);
  return new ContractViolation(`answers the API description does not document:\n${lines.join('\n')}`);
}
