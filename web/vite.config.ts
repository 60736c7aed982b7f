import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Absolute paths so the build works whatever the current directory is
// (the root package.json runs `vite build --config web/vite.config.ts`).
const webRoot = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/web', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
  },
  server: {
    // `vite dev` talks to a Coffer started separately on its default port.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
});
