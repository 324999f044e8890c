/**
 * Builds the visualizer into web/dist (`npm run build:web`). The page imports the engine,
 * the scenario registry (inside its Web Worker) and the wire protocol (wire/) straight from
 * their TypeScript sources. No inline script is emitted, so the server's CSP can allow only
 * its own scripts.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
  worker: { format: 'es' },
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] } },
});
