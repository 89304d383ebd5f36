import {
  ProductUnavailable,
  UnpriceableOrder,
  type FieldIssue,
  type PricedLine,
  type Product,
  type StreamRevision,
} from '@order-engine/shared';

export interface RequestedLine {
  sku: string;
  quantity: number;
}

export interface PricedOrder {
  currency: string;
  lines: PricedLine[];
}

type LoadProduct = (sku: string) => Promise<{ state: Product; revision: StreamRevision }>;

// An order is priced from the catalog as it stands now: the client never sends prices. Every unknown sku is
// reported at once, each at the field that named it.
export async function priceLines(lines: readonly RequestedLine[], loadProduct: LoadProduct): Promise<PricedOrder> {
  const products = await Promise.all(lines.map(async (line) => (await loadProduct(line.sku)).state));
  const unknown: FieldIssue[] = [];
  products.forEach((product, i) => {
    if (product.status === 'none')
      unknown.push({ path: `lines.${i}.sku`, message: `product ${lines[i]?.sku} does not exist` });
  });
  if (unknown.length > 0) {
    throw new UnpriceableOrder('unknown-product', `the order names ${unknown.length} unknown product(s)`, unknown);
  }
  const registered = products.filter((product) => product.status !== 'none');
  const discontinued = registered.find((product) => product.status === 'discontinued');
  if (discontinued) throw new ProductUnavailable(discontinued.sku, 'discontinued');

  const currency = registered[0]?.currency ?? '';
  const foreign: FieldIssue[] = [];
  registered.forEach((product, i) => {
    if (product.currency !== currency)
      foreign.push({ path: `lines.${i}.sku`, message: `priced in ${product.currency}, the order is in ${currency}` });
  });
  if (foreign.length > 0) {
    throw new UnpriceableOrder('mixed-currencies', 'all products of an order must be priced in one currency', foreign);
  }
  return {
    currency,
    lines: lines.map((line, i) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: registered[i]?.priceCents ?? 0,
    })),
  };
}
