import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `npm run dev -w @weft/ui` sends API requests: a `weft serve` started separately. */
const apiTarget = process.env.WEFT_URL ?? 'http://127.0.0.1:6345';

/** Every path the UI reads from the server; the dev server passes them through. */
const API_PREFIXES = [
  '/calls',
  '/call',
  '/cost',
  '/feedback',
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
    // The first load carries the frame, the projects page and the calls table (the view every
    // project opens on); each other view is its own chunk. The budget is 400 KB of gzipped
    // JavaScript; Vite's limit counts minified bytes before compression, about three times as
    // many, so it warns only well before that budget is near.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: Object.fromEntries(API_PREFIXES.map((prefix) => [prefix, { target: apiTarget }])),
  },
});
