/**
 * Per-project retention settings and reclaiming space on ClickHouse. Not built yet (issue 14): each method refuses with 501.
 */
import type { TraceStore } from '../trace-store.js';
import { type ClickHouseContext, notOnClickHouseYet } from './context.js';

export type RetentionMethods = Pick<TraceStore, 'setRetention' | 'listRetention' | 'reclaimSpace'>;

export class ClickHouseRetention implements RetentionMethods {
  constructor(readonly context: ClickHouseContext) {}

  setRetention(..._args: unknown[]): never {
    return notOnClickHouseYet('setRetention');
  }

  listRetention(..._args: unknown[]): never {
    return notOnClickHouseYet('listRetention');
  }

  reclaimSpace(..._args: unknown[]): never {
    return notOnClickHouseYet('reclaimSpace');
  }
}
