// Passes a response's body on to the caller while keeping a copy of its text. Not Response.clone(): a tee branch
// cancelled by the caller waits for the other branch, so a caller abandoning an endless stream would wait for the check.

export interface TappedBody {
  /** What the caller gets: the same status, headers, url and body as the response fetch gave. */
  response: Response;
  /** The text, once the body ended, the caller cancelled it, it failed, or stop() was called (those three: truncated). */
  text: Promise<{ text: string; truncated: boolean }>;
  /** Judges what arrived so far; the caller's body flows on untouched. */
  stop(): void;
}

/** Bodies of these statuses are null: nothing to tap. */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

export function tapBody(original: Response, maxBytes: number): TappedBody {
  const source = original.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  let settled = false;
  let cancelled = false;
  let settle!: (value: { text: string; truncated: boolean }) => void;
  const result = new Promise<{ text: string; truncated: boolean }>((resolve) => (settle = resolve));
  const finish = (truncated: boolean) => {
    if (!settled) settle({ text: text + (truncated ? '' : decoder.decode()), truncated });
    settled = true;
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Pumps as fetch's own body would be read by a tee: eagerly, whether or not the caller reads.
      void (async () => {
        try {
          for (;;) {
            const { done, value } = await source.read();
            if (cancelled) return;
            if (done) return (controller.close(), finish(size > maxBytes));
            if ((size += value.byteLength) <= maxBytes && !settled) text += decoder.decode(value, { stream: true });
            controller.enqueue(value);
          }
        } catch (error) {
          finish(true);
          if (!cancelled) controller.error(error);
        }
      })();
    },
    cancel(reason) {
      cancelled = true;
      finish(true);
      return source.cancel(reason);
    },
  });

  const response = new Response(body, {
    status: original.status,
    statusText: original.statusText,
    headers: original.headers,
  });
  // A constructed Response has no url of its own: give it the fetched one's.
  for (const key of ['url', 'redirected', 'type'] as const)
    Object.defineProperty(response, key, { value: original[key], enumerable: true });
  return { response, text: result, stop: () => finish(true) };
}
