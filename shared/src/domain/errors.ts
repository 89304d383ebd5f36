// Domain errors carry their ids; one HTTP middleware maps each class to a status code.

export abstract class DomainError extends Error {
  /** Stable machine-readable code, used as the problem `type` slug. */
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type Entity = 'product' | 'order' | 'customer' | 'hold' | 'projection' | 'dead letter';

export class NotFound extends DomainError {
  readonly code = 'not-found';
  constructor(
    readonly entity: Entity,
    readonly id: string,
  ) {
    super(`${entity} ${id} does not exist`);
  }
}

export class AlreadyExists extends DomainError {
  readonly code = 'already-exists';
  constructor(
    readonly entity: Entity,
    readonly id: string,
    detail = `${entity} ${id} already exists`,
  ) {
    super(detail);
  }
}

export class InsufficientStock extends DomainError {
  readonly code = 'insufficient-stock';
  constructor(
    readonly sku: string,
    readonly requested: number,
    readonly available: number,
  ) {
    super(`product ${sku}: requested ${requested}, available ${available}`);
  }
}

export class StockLimitExceeded extends DomainError {
  readonly code = 'stock-limit-exceeded';
  constructor(
    readonly sku: string,
    readonly onHand: number,
    readonly adding: number,
    readonly limit: number,
  ) {
    super(`product ${sku}: ${onHand} on hand plus ${adding} would pass the limit of ${limit}`);
  }
}

export class ProductUnavailable extends DomainError {
  readonly code = 'product-unavailable';
  constructor(
    readonly sku: string,
    readonly reason: 'discontinued',
  ) {
    super(`product ${sku} is ${reason}`);
  }
}

export class InvalidTransition extends DomainError {
  readonly code = 'invalid-transition';
  constructor(
    readonly orderId: string,
    readonly from: string,
    readonly command: string,
  ) {
    super(`order ${orderId} is ${from}: ${command} is not allowed`);
  }
}

export class PaymentMismatch extends DomainError {
  readonly code = 'payment-mismatch';
  constructor(
    readonly orderId: string,
    readonly expectedCents: number,
    readonly receivedCents: number,
  ) {
    super(`order ${orderId}: payment of ${receivedCents} does not match the total ${expectedCents}`);
  }
}

export class InvalidOrder extends DomainError {
  readonly code = 'invalid-order';
  constructor(
    readonly orderId: string,
    reason: string,
  ) {
    super(`order ${orderId}: ${reason}`);
  }
}

/** A field of a command and what is wrong with it. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** An order that cannot be priced: it names unknown products, or products priced in different currencies. */
export class UnpriceableOrder extends DomainError {
  constructor(
    readonly code: 'unknown-product' | 'mixed-currencies',
    message: string,
    readonly errors: FieldIssue[],
  ) {
    super(message);
  }
}
