import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ServiceDown } from './api.js';
import { retryDelayMs } from './backoff.js';

// The one way views fetch: on an interval (or once), keeping the last data when a fetch fails. A service that is
// not answering is retried with backoff; a refusal is shown and asked again at the normal pace.

export interface PollOptions {
  /** Fetch again this long after each answer; once only when undefined. */
  intervalMs?: number;
  /** When any of these change, the data is dropped and fetched again at once (a new selection). */
  key?: readonly unknown[];
  /** False: fetch nothing for now. */
  enabled?: boolean;
  /** Keep showing the data of the old key until the new one's arrives (a slider moving through revisions). */
  keepDataOnKeyChange?: boolean;
}

export interface Poll<T> {
  data: T | undefined;
  /** The service is not answering: the last data stays, the next try is at retryAt. */
  down: ServiceDown | undefined;
  retryAt: number | undefined;
  /** The service refused (or the answer made no sense): the message to show. */
  problem: string | undefined;
  /** Fetch now, without dropping the data. */
  refresh(): void;
}

interface PollState<T> {
  /** The key the state belongs to. */
  keyText: string;
  data: T | undefined;
  down: ServiceDown | undefined;
  retryAt: number | undefined;
  problem: string | undefined;
}

const initial = (keyText: string) => ({
  keyText,
  data: undefined,
  down: undefined,
  retryAt: undefined,
  problem: undefined,
});

export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, options: PollOptions = {}): Poll<T> {
  const { intervalMs, enabled = true, keepDataOnKeyChange = false } = options;
  const keyText = JSON.stringify(options.key ?? []);
  const [state, setState] = useState<PollState<T>>(() => initial(keyText));
  const [refreshes, setRefreshes] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const keptData = (last: PollState<T>) => (last.keyText === keyText || keepDataOnKeyChange ? last.data : undefined);
    const again = (ms: number | undefined) => {
      if (ms !== undefined) timer = setTimeout(() => void run(), ms);
    };
    async function run(): Promise<void> {
      try {
        const data = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        failures = 0;
        setState({ keyText, data, down: undefined, retryAt: undefined, problem: undefined });
        again(intervalMs);
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof ServiceDown) {
          failures += 1;
          const delay = retryDelayMs(failures);
          setState((last) => ({
            ...last,
            keyText,
            data: keptData(last),
            down: error,
            retryAt: Date.now() + delay,
          }));
          again(delay);
        } else {
          const problem = error instanceof Error ? error.message : String(error);
          setState((last) => ({
            keyText,
            data: keptData(last),
            down: undefined,
            retryAt: undefined,
            problem,
          }));
          again(intervalMs);
        }
      }
    }
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [keyText, intervalMs, enabled, refreshes]);

  const refresh = useCallback(() => setRefreshes((count) => count + 1), []);
  // The state of another key is never shown as this one's (unless asked to keep the data meanwhile).
  const current =
    state.keyText === keyText ? state : { ...initial(keyText), ...(keepDataOnKeyChange && { data: state.data }) };
  return { ...current, refresh };
}
