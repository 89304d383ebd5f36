import { z } from 'zod';

// Ids become part of stream names and URLs: keep them to a safe alphabet.
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const Sku = z.string().regex(ID, 'letters, digits, ".", "_" or "-", at most 64');
export const OrderId = z.string().regex(ID, 'letters, digits, ".", "_" or "-", at most 64');
export const CustomerId = z.string().regex(ID, 'letters, digits, ".", "_" or "-", at most 64');
export const Quantity = z.number().int().min(1).max(1_000_000);
