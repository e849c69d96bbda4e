/**
 * Files by digest on ClickHouse. Not built yet (issue 14): each method refuses with 501.
 */
import type { TraceStore } from '../trace-store.js';
import { type ClickHouseContext, notOnClickHouseYet } from './context.js';

export type FilesMethods = Pick<TraceStore, 'createFile' | 'readFile'>;

export class ClickHouseFiles implements FilesMethods {
  constructor(readonly context: ClickHouseContext) {}

  createFile(..._args: unknown[]): never {
    return notOnClickHouseYet('createFile');
  }

  readFile(..._args: unknown[]): never {
    return notOnClickHouseYet('readFile');
  }
}
