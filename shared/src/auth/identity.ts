// Who is asking: an API key's name or a token's subject, with one role. A customer acts for itself only.

export const ROLES = ['operator', 'client', 'analyst', 'customer', 'monitor'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  /** The key's name or the token's `sub`: what events and the audit log record as the actor. */
  name: string;
  role: Role;
  /** Set for the customer role: the only customer whose orders it may place, see and move. */
  customerId?: string;
}

export const isRole = (value: unknown): value is Role => ROLES.includes(value as Role);
