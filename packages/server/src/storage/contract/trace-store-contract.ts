/**
 * The TraceStore contract suite: one set of behaviour tests every backend must pass in full. A
 * backend's test file calls `describeTraceStoreContract` with a way to open a fresh, empty store;
 * each test gets its own store and closes it afterwards.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { TraceStore } from '../trace-store.js';
import { describeApiKeys } from './api-keys-contract.js';
import type { StoreUnderTest } from './call-fixtures.js';
import { describeCallTree } from './call-tree-contract.js';
import { describeCallWrites } from './call-writes-contract.js';
import { describeCallsQueries } from './calls-query-contract.js';
import { describeFeedback } from './feedback-contract.js';
import { describeFiles } from './files-contract.js';
import { describeMigration } from './migration-contract.js';
import { describeObjectVersions } from './objects-contract.js';
import { describeOrphans } from './orphans-contract.js';
import { describePaging } from './paging-contract.js';
import { describePrices } from './prices-contract.js';
import { describeProjects } from './projects-contract.js';
import { describeQueryDifferential } from './query-differential-contract.js';
import { describeRetention } from './retention-contract.js';
import { describeTables } from './tables-contract.js';

/** Opens a new, empty store (for SQLite: a new database file). */
export type OpenTraceStore = () => Promise<TraceStore> | TraceStore;

export function describeTraceStoreContract(backendName: string, openStore: OpenTraceStore): void {
  describe(`TraceStore contract: ${backendName}`, () => {
    let current: TraceStore | undefined;
    beforeEach(async () => {
      current = await openStore();
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
    describeCallWrites(subject);
    describeCallTree(subject);
    describeCallsQueries(subject);
    describeObjectVersions(subject);
    describeTables(subject);
    describePaging(subject);
    describeFiles(subject);
    describeProjects(subject);
    describePrices(subject);
    describeFeedback(subject);
    describeApiKeys(subject);
    describeOrphans(subject);
    describeRetention(subject);
    describeMigration(subject);
  });
  describe(`TraceStore contract: ${backendName}`, () => {
    describeQueryDifferential(openStore);
  });
}
