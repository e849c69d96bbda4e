/**
 * The TraceStore contract on ClickHouse, run on the engine the `chdb` package ships (ClickHouse
 * 26.x inside this process, installed from the npm registry): one folder for the file, a fresh
 * database for each store.
 *
 * Issue 14 lands the ClickHouse store in parts: the contract groups below are those it passes
 * now. `describeTraceStoreContract` (the whole suite, as SQLite runs it) replaces this list when
 * every group passes; until then the missing groups are named in NOT_YET and the store refuses
 * their methods with 501.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeApiKeys } from '../contract/api-keys-contract.js';
import type { StoreUnderTest } from '../contract/call-fixtures.js';
import { describeCallTree } from '../contract/call-tree-contract.js';
import { describeCallWrites } from '../contract/call-writes-contract.js';
import { describeCallsQueries } from '../contract/calls-query-contract.js';
import { describeFeedback } from '../contract/feedback-contract.js';
import { describeFiles } from '../contract/files-contract.js';
import { describeObjectVersions } from '../contract/objects-contract.js';
import { describeOrphans } from '../contract/orphans-contract.js';
import { describePaging } from '../contract/paging-contract.js';
import { describePrices } from '../contract/prices-contract.js';
import { describeProjects } from '../contract/projects-contract.js';
import { describeRetention } from '../contract/retention-contract.js';
import { describeTables } from '../contract/tables-contract.js';
import type { TraceStore } from '../trace-store.js';
import { ClickHouseTraceStore } from './clickhouse-trace-store.js';

const folder = mkdtempSync(join(tmpdir(), 'weft-chdb-contract-'));
let opened = 0;

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Contract groups the ClickHouse store does not pass yet (issue 14). */
export const NOT_YET = ['query differential'];

describe('TraceStore contract: clickhouse (chdb)', () => {
  let current: TraceStore | undefined;
  beforeEach(async () => {
    opened += 1;
    current = await ClickHouseTraceStore.open(`chdb:${folder}?database=contract_${opened}`);
  });
  afterEach(async () => {
    const store = current;
    current = undefined;
    await store?.close();
  });
  const subject: StoreUnderTest = {
    get store(): TraceStore {
      if (!current) throw new Error('no store is open outside a test');
      return current;
    },
  };

  it('opens a new database with its schema, and opens it again', async () => {
    const database = `reopened_${opened}`;
    const first = await ClickHouseTraceStore.open(`chdb:${folder}?database=${database}`);
    await first.close();
    const again = await ClickHouseTraceStore.open(`chdb:${folder}?database=${database}`);
    await again.close();
    expect(subject.store).toBeInstanceOf(ClickHouseTraceStore);
  });

  describeCallWrites(subject);
  describeCallTree(subject);
  describeCallsQueries(subject);
  describePaging(subject);
  describeApiKeys(subject);
  describeProjects(subject);
  describeObjectVersions(subject);
  describeTables(subject);
  describeFiles(subject);
  describeFeedback(subject);
  describePrices(subject);
  describeOrphans(subject);
  describeRetention(subject);
});
