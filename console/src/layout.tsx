import type { FunctionComponent } from 'preact';
import { AuditView } from './audit/audit-view.js';
import { DeadLettersView } from './dead-letters/dead-letters-view.js';
import { EngineView } from './engine/engine-view.js';
import { ProjectionsView } from './projections/projections-view.js';
import { RebuildView } from './rebuild/rebuild-view.js';
import { useSession } from './session/session-context.js';
import { ErrorBoundary } from './shared/error-boundary.js';
import { ROUTES, useRoute, type RoutePath } from './shared/router.js';
import { StreamsView } from './streams/streams-view.js';

const VIEWS: Record<RoutePath, FunctionComponent> = {
  '/projections': ProjectionsView,
  '/rebuild': RebuildView,
  '/dead-letters': DeadLettersView,
  '/streams': StreamsView,
  '/engine': EngineView,
  '/audit': AuditView,
};

export function Layout({ onSignOut }: { onSignOut(): void }) {
  const { identity } = useSession();
  const path = useRoute();
  const View = VIEWS[path];
  const label = ROUTES.find((route) => route.path === path)?.label ?? path;
  return (
    <>
      <header class="top">
        <span class="brand">Order engine</span>
        <nav aria-label="Views">
          {ROUTES.map((route) => (
            <a key={route.path} href={`#${route.path}`} aria-current={route.path === path ? 'page' : undefined}>
              {route.label}
            </a>
          ))}
        </nav>
        <span class="identity">
          signed in as {identity.name} ({identity.role})
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main class="view">
        <ErrorBoundary key={path} name={label}>
          <View />
        </ErrorBoundary>
      </main>
    </>
  );
}
