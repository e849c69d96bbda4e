import { availableParallelism } from 'node:os';
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
    // Most test time waits on other processes (servers, the Python SDK, Chromium, chdb), so two
    // files at once even on 2 cores, where vitest's default (cores - 1) would run one.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        // The server's HTTP tests, the SDK's end-to-end tests and the official Weave SDKs' suites
        // once more, every server they start on the ClickHouse store (the chdb engine;
        // test/support/weft-server.ts). Tests of what only SQLite has skip themselves there,
        // saying why.
        extends: true,
        test: {
          name: 'chdb',
          include: [
            'packages/server/test/**/*.test.ts',
            'packages/sdk/test/**/*.test.ts',
            'test/weave-python/**/*.test.ts',
            'test/weave-compat/**/*.test.ts',
          ],
          exclude: [
            // These pick their stores themselves.
            'packages/server/test/clickhouse-*.test.ts',
            'packages/server/test/migrate.test.ts',
            // These start no server.
            'packages/sdk/test/tracing-context.test.ts',
            'packages/sdk/test/tracing-memory.test.ts',
          ],
          env: { WEFT_TEST_STORE: 'chdb' },
        },
      },
    ],
  },
});
