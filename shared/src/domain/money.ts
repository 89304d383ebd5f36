import { z } from 'zod';

// Money is integer minor units plus an ISO 4217 currency: no floats anywhere.
export const MAX_CENTS = 100_000_000_000; // 1 billion in major units: beyond that an input is a mistake

export const Cents = z.number().int().min(0).max(MAX_CENTS);
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
export type Currency = z.infer<typeof Currency>;
