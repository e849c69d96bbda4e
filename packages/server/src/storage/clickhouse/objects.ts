/**
 * Object versions with their tags and aliases on ClickHouse. Not built yet (issue 14): each method refuses with 501.
 */
import type { TraceStore } from '../trace-store.js';
import { type ClickHouseContext, notOnClickHouseYet } from './context.js';

export type ObjectsMethods = Pick<
  TraceStore,
  | 'createObject'
  | 'readObject'
  | 'queryObjects'
  | 'deleteObjectVersions'
  | 'addObjectTags'
  | 'removeObjectTags'
  | 'setObjectAliases'
  | 'removeObjectAliases'
  | 'listTags'
  | 'listAliases'
>;

export class ClickHouseObjects implements ObjectsMethods {
  constructor(readonly context: ClickHouseContext) {}

  createObject(..._args: unknown[]): never {
    return notOnClickHouseYet('createObject');
  }

  readObject(..._args: unknown[]): never {
    return notOnClickHouseYet('readObject');
  }

  queryObjects(..._args: unknown[]): never {
    return notOnClickHouseYet('queryObjects');
  }

  deleteObjectVersions(..._args: unknown[]): never {
    return notOnClickHouseYet('deleteObjectVersions');
  }

  addObjectTags(..._args: unknown[]): never {
    return notOnClickHouseYet('addObjectTags');
  }

  removeObjectTags(..._args: unknown[]): never {
    return notOnClickHouseYet('removeObjectTags');
  }

  setObjectAliases(..._args: unknown[]): never {
    return notOnClickHouseYet('setObjectAliases');
  }

  removeObjectAliases(..._args: unknown[]): never {
    return notOnClickHouseYet('removeObjectAliases');
  }

  listTags(..._args: unknown[]): never {
    return notOnClickHouseYet('listTags');
  }

  listAliases(..._args: unknown[]): never {
    return notOnClickHouseYet('listAliases');
  }
}
