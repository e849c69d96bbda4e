import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `npm run dev -w @weft/ui` sends API requests: a `weft serve` started separately. */
const apiTarget = process.env.WEFT_URL ?? 'http://127.0.0.1:6345';

/** Every path the UI reads from the server; the dev server passes them through. */
const API_PREFIXES = [
  '/calls',
  '/call',
  '/obj',
  '/objs',
  '/table',
  '/file',
  '/files',
  '/refs',
  '/weft',
  '/server_info',
];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The first load carries the shell and the projects page; each view is its own chunk.
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: Object.fromEntries(API_PREFIXES.map((prefix) => [prefix, { target: apiTarget }])),
  },
});
