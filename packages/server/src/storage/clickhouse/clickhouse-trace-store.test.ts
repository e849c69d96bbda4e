/**
 * The TraceStore contract on ClickHouse, run on the engine the `chdb` package ships (ClickHouse
 * 26.x inside this process, installed from the npm registry): the whole suite, as SQLite runs it,
 * with one folder for the file and a fresh database for each store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeTraceStoreContract } from '../contract/trace-store-contract.js';
import { ClickHouseTraceStore } from './clickhouse-trace-store.js';

const folder = mkdtempSync(join(tmpdir(), 'weft-chdb-contract-'));
let opened = 0;

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('ClickHouse store (chdb)', () => {
  it('opens a new database with its schema, and opens it again', async () => {
    const database = `reopened_${++opened}`;
    const first = await ClickHouseTraceStore.open(`chdb:${folder}?database=${database}`);
    await first.close();
    const again = await ClickHouseTraceStore.open(`chdb:${folder}?database=${database}`);
    expect(again).toBeInstanceOf(ClickHouseTraceStore);
    await again.close();
  });
});

describeTraceStoreContract('clickhouse (chdb)', () =>
  ClickHouseTraceStore.open(`chdb:${folder}?database=contract_${++opened}`),
);
