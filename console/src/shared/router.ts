import { useEffect, useState } from 'preact/hooks';

// Hash routing: #/projections and so on, so the engine serves one page and a reload keeps the view.

export const ROUTES = [
  { path: '/projections', label: 'Projections' },
  { path: '/rebuild', label: 'Rebuild' },
  { path: '/dead-letters', label: 'Dead letters' },
  { path: '/streams', label: 'Streams' },
  { path: '/engine', label: 'Engine' },
  { path: '/audit', label: 'Audit log' },
] as const;

export type RoutePath = (typeof ROUTES)[number]['path'];

const currentPath = (): RoutePath => {
  const path = location.hash.replace(/^#/, '').split('?')[0];
  return ROUTES.find((route) => route.path === path)?.path ?? '/projections';
};

export function useRoute(): RoutePath {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const follow = () => setPath(currentPath());
    addEventListener('hashchange', follow);
    follow(); // the hash may have changed between the first render and this listener
    return () => removeEventListener('hashchange', follow);
  }, []);
  return path;
}
