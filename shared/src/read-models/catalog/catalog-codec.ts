import type { Row } from '../../sql/sql.js';
import type { ProductStatus, ProductView } from './catalog-view.js';

// The products row ↔ view codec, once for the writer and the readers. The stock columns are int8, on which the
// drivers disagree, so they travel as text and become numbers here (every bounded value is far below 2^53).
export const productColumns = `sku, name, category, price_cents::text as price_cents, currency,
  on_hand::text as on_hand, reserved::text as reserved, held::text as held, available::text as available, status,
  revision`;

export const productViewFromRow = (row: Row): ProductView => ({
  sku: row.sku as string,
  name: row.name as string,
  category: row.category as string,
  priceCents: Number(row.price_cents),
  currency: row.currency as string,
  onHand: Number(row.on_hand),
  reserved: Number(row.reserved),
  held: Number(row.held),
  available: Number(row.available),
  status: row.status as ProductStatus,
  revision: Number(row.revision),
});
