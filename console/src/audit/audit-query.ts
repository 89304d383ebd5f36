import type { ProjectionComponents, ProjectionPaths } from '@order-engine/client';

// The audit log's filters: an action is a method and a policy route ("POST /products/:sku/price"), sent as the
// `method` and `route` query parameters.

export type AuditEntry = ProjectionComponents['schemas']['AuditEntry'];
type AuditQuery = NonNullable<ProjectionPaths['/audit']['get']['parameters']['query']>;
type Method = NonNullable<AuditQuery['method']>;

export interface AuditFilter {
  /** "METHOD /route", or '' for all. */
  action: string;
  /** The identity's name, or '' for all. */
  actor: string;
}

export const PAGE_SIZE = 100;
const METHODS: readonly string[] = ['GET', 'POST', 'DELETE'] satisfies Method[];

export const actionOf = (entry: Pick<AuditEntry, 'method' | 'route'>): string => `${entry.method} ${entry.route}`;

/** The actions present, once each, sorted by route then method. */
export const actionsOf = (entries: readonly Pick<AuditEntry, 'method' | 'route'>[]): string[] =>
  [...new Set(entries.map(actionOf))].sort((a, b) => {
    const [methodA = '', routeA = ''] = a.split(' ');
    const [methodB = '', routeB = ''] = b.split(' ');
    return routeA.localeCompare(routeB) || methodA.localeCompare(methodB);
  });

/** The query of one page: the filters, and `before` the last entry of the page before. */
export function auditQuery(filter: AuditFilter, before?: string): AuditQuery {
  const [method, route] = filter.action.split(' ');
  const actor = filter.actor.trim();
  return {
    limit: PAGE_SIZE,
    ...(method && route && METHODS.includes(method) ? { method: method as Method, route } : {}),
    ...(actor ? { actor } : {}),
    ...(before ? { before } : {}),
  };
}
