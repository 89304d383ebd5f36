import { z } from 'zod';

// Ids become part of stream names and URLs: keep them to a safe alphabet.
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const id = () => z.string().regex(ID, 'letters, digits, ".", "_" or "-", at most 64');

export const Sku = id();
export const OrderId = id();
export const CustomerId = id();
/** An operator's stock hold on a product; its own namespace, apart from order ids. */
export const HoldId = id();

// Bounds every layer agrees on: a command's quantity, and a product's stock on hand (so reserved, held and available,
// which never exceed it, too). Read-model columns are bigint, so a history written before these bounds still fits.
export const MAX_QUANTITY = 1_000_000;
export const MAX_ON_HAND = 1_000_000_000;
export const Quantity = z.number().int().min(1).max(MAX_QUANTITY);
