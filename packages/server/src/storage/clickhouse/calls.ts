/**
 * Calls on ClickHouse: parts inserted as they arrive, merged by id (calls-schema.ts).
 */
import type { TraceStore } from '../trace-store.js';
import { type ClickHouseContext, notOnClickHouseYet } from './context.js';

export type CallsMethods = Pick<
  TraceStore,
  | 'upsertCalls'
  | 'readCall'
  | 'queryCalls'
  | 'queryCallsJsonLines'
  | 'countCalls'
  | 'deleteCalls'
  | 'updateDisplayName'
  | 'removeOrphans'
  | 'pruneCalls'
>;

export class ClickHouseCalls implements CallsMethods {
  constructor(readonly context: ClickHouseContext) {}

  upsertCalls(..._args: unknown[]): never {
    return notOnClickHouseYet('upsertCalls');
  }
  readCall(..._args: unknown[]): never {
    return notOnClickHouseYet('readCall');
  }
  queryCalls(..._args: unknown[]): never {
    return notOnClickHouseYet('queryCalls');
  }
  queryCallsJsonLines(..._args: unknown[]): never {
    return notOnClickHouseYet('queryCallsJsonLines');
  }
  countCalls(..._args: unknown[]): never {
    return notOnClickHouseYet('countCalls');
  }
  deleteCalls(..._args: unknown[]): never {
    return notOnClickHouseYet('deleteCalls');
  }
  updateDisplayName(..._args: unknown[]): never {
    return notOnClickHouseYet('updateDisplayName');
  }
  removeOrphans(..._args: unknown[]): never {
    return notOnClickHouseYet('removeOrphans');
  }
  pruneCalls(..._args: unknown[]): never {
    return notOnClickHouseYet('pruneCalls');
  }
}
