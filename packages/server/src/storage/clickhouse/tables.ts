/**
 * Tables: rows kept once per digest, tables as lists of row digests on ClickHouse. Not built yet (issue 14): each method refuses with 501.
 */
import type { TraceStore } from '../trace-store.js';
import { type ClickHouseContext, notOnClickHouseYet } from './context.js';

export type TablesMethods = Pick<
  TraceStore,
  | 'createTable'
  | 'createTableFromRowDigests'
  | 'tableRowCount'
  | 'tableRowDigests'
  | 'readTableRow'
  | 'queryTable'
>;

export class ClickHouseTables implements TablesMethods {
  constructor(readonly context: ClickHouseContext) {}

  createTable(..._args: unknown[]): never {
    return notOnClickHouseYet('createTable');
  }

  createTableFromRowDigests(..._args: unknown[]): never {
    return notOnClickHouseYet('createTableFromRowDigests');
  }

  tableRowCount(..._args: unknown[]): never {
    return notOnClickHouseYet('tableRowCount');
  }

  tableRowDigests(..._args: unknown[]): never {
    return notOnClickHouseYet('tableRowDigests');
  }

  readTableRow(..._args: unknown[]): never {
    return notOnClickHouseYet('readTableRow');
  }

  queryTable(..._args: unknown[]): never {
    return notOnClickHouseYet('queryTable');
  }
}
