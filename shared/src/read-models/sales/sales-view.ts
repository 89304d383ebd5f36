// What /stats/sales answers per day; nothing of sales is cached (it reads ranges, not single keys).

export interface SalesDayView {
  day: string;
  sku: string;
  currency: string;
  units: number;
  revenueCents: number;
}
