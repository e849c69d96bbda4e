import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const here = import.meta.dirname;

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; end-to-end tests start the built `weft` CLI.
    alias: [
      { find: /^weft$/, replacement: resolve(here, 'packages/sdk/src/index.ts') },
      { find: /^@weft\/protocol$/, replacement: resolve(here, 'packages/protocol/src/index.ts') },
      { find: /^@weft\/protocol\/(.*)$/, replacement: resolve(here, 'packages/protocol/src/$1.ts') },
      { find: /^@weft\/server$/, replacement: resolve(here, 'packages/server/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
