/**
 * LLM prices on ClickHouse. Not built yet (issue 14): each method refuses with 501.
 */
import type { TraceStore } from '../trace-store.js';
import { type ClickHouseContext, notOnClickHouseYet } from './context.js';

export type PricesMethods = Pick<
  TraceStore,
  'createPrices' | 'queryPrices' | 'purgePrices' | 'replaceDefaultPrices'
>;

export class ClickHousePrices implements PricesMethods {
  constructor(readonly context: ClickHouseContext) {}

  createPrices(..._args: unknown[]): never {
    return notOnClickHouseYet('createPrices');
  }

  queryPrices(..._args: unknown[]): never {
    return notOnClickHouseYet('queryPrices');
  }

  purgePrices(..._args: unknown[]): never {
    return notOnClickHouseYet('purgePrices');
  }

  replaceDefaultPrices(..._args: unknown[]): never {
    return notOnClickHouseYet('replaceDefaultPrices');
  }
}
