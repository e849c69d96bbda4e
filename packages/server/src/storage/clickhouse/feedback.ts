/**
 * Feedback rows on ClickHouse. Not built yet (issue 14): each method refuses with 501.
 */
import type { TraceStore } from '../trace-store.js';
import { type ClickHouseContext, notOnClickHouseYet } from './context.js';

export type FeedbackMethods = Pick<
  TraceStore,
  'createFeedback' | 'queryFeedback' | 'purgeFeedback' | 'replaceFeedback'
>;

export class ClickHouseFeedback implements FeedbackMethods {
  constructor(readonly context: ClickHouseContext) {}

  createFeedback(..._args: unknown[]): never {
    return notOnClickHouseYet('createFeedback');
  }

  queryFeedback(..._args: unknown[]): never {
    return notOnClickHouseYet('queryFeedback');
  }

  purgeFeedback(..._args: unknown[]): never {
    return notOnClickHouseYet('purgeFeedback');
  }

  replaceFeedback(..._args: unknown[]): never {
    return notOnClickHouseYet('replaceFeedback');
  }
}
