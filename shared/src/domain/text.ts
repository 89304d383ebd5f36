import { z } from 'zod';

// Free text goes into jsonb, text columns, JSON answers, NDJSON and CSV: PostgreSQL refuses NUL, and a lone surrogate
// has no UTF-8 encoding. So control characters (but tab, line feed and carriage return) and lone surrogates are
// refused at the edge, with the field named, instead of failing deep inside as a 500.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNCARRIABLE_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// With the u flag a well-formed pair is one code point, so \p{Cs} matches only lone surrogates.
const LONE_SURROGATE = /\p{Cs}/u;

/** Trimmed, non-blank text of at most `max` UTF-16 units that every layer can store and send. */
export const Text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(max)
    .refine((value) => !UNCARRIABLE_CONTROL.test(value), 'must not contain control characters such as NUL')
    .refine((value) => !LONE_SURROGATE.test(value), 'must be valid Unicode (no lone surrogates)');
