import { defineConfig } from 'vite';

// Served by the projection API at /console/; Vite's own JSX transform (oxc) with Preact's automatic runtime.
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { target: 'es2023', outDir: 'dist', emptyOutDir: true },
});
