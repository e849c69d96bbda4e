/**
 * Projects and their summaries on ClickHouse. Not built yet (issue 14): each method refuses with 501.
 */
import type { TraceStore } from '../trace-store.js';
import { type ClickHouseContext, notOnClickHouseYet } from './context.js';

export type ProjectsMethods = Pick<TraceStore, 'ensureProject' | 'listProjects' | 'projectSummaries'>;

export class ClickHouseProjects implements ProjectsMethods {
  constructor(readonly context: ClickHouseContext) {}

  ensureProject(..._args: unknown[]): never {
    return notOnClickHouseYet('ensureProject');
  }

  listProjects(..._args: unknown[]): never {
    return notOnClickHouseYet('listProjects');
  }

  projectSummaries(..._args: unknown[]): never {
    return notOnClickHouseYet('projectSummaries');
  }
}
