import { context, SpanStatusCode, trace, type Context, type Span, type SpanOptions } from '@opentelemetry/api';
import { spanAttr, tracer } from './tracer.js';

export interface InSpanOptions extends SpanOptions {
  /** Errors that are an answer, not a failure (a domain refusal): noted on the span, its status left unset. */
  expected?: (error: unknown) => boolean;
}

/**
 * Runs work in a new span under parent, current while it runs, and ends it after; an error marks it failed. When the
 * span does not record (tracing off, trace not sampled), work just runs: no context switch, nothing to end.
 */
export async function inSpan<T>(
  name: string,
  options: InSpanOptions,
  parent: Context,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, options, parent);
  if (!span.isRecording()) return work(span);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    failed(span, error, options.expected?.(error));
    throw error;
  } finally {
    span.end();
  }
}

/** Marks the span failed by error; an expected error is only named (attribute `order_engine.refused`). */
export function failed(span: Span, error: unknown, expected = false): void {
  if (expected) {
    span.setAttribute(spanAttr.refused, (error as Error | undefined)?.name ?? 'Error');
    return;
  }
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
