import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `vite build --config web/vite.config.ts` (npm run build:web) writes web/dist, which the service serves at /.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  resolve: {
    // The SDK's package points its runtime entry at a dist/ nobody builds here: the web build takes its source.
    alias: {
      '@live-chat/client': fileURLToPath(new URL('../packages/client/src/index.ts', import.meta.url)),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    // `npx vite --config web/vite.config.ts` for UI work against a service running on 5056.
    proxy: {
      '/api': 'http://localhost:5056',
      '/socket.io': { target: 'http://localhost:5056', ws: true },
    },
  },
});
