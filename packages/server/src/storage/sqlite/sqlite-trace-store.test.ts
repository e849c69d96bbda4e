import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeTraceStoreContract } from '../contract/trace-store-contract.js';
import { SqliteTraceStore } from './sqlite-trace-store.js';

const dataDir = mkdtempSync(join(tmpdir(), 'weft-sqlite-contract-'));
let opened = 0;

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describeTraceStoreContract('sqlite', () => {
  opened += 1;
  return SqliteTraceStore.open(join(dataDir, `store-${opened}.db`));
});
