/**
 * A Dataset: named rows for evaluations. Published, its rows are stored as a table (deduplicated
 * by content on the server) and the Dataset object points at the table by ref, as Weave stores
 * Datasets (docs/protocol.md §8.3). Rows of a published or loaded Dataset remember their row refs, so a
 * row passed to an op appears in the call's inputs as `…/attr/rows/id/<row digest>`.
 */
import { currentClient } from '../client/current-client.js';
import type { ObjectRef } from './refs.js';
import { registerObjectClass, WeaveObject } from './weave-object.js';

export type DatasetRow = Record<string, unknown>;

export interface DatasetOptions<Row extends DatasetRow> {
  name?: string;
  description?: string;
  rows: Iterable<Row>;
}

export class Dataset<Row extends DatasetRow = DatasetRow> extends WeaveObject {
  rows: Row[];

  constructor(options: DatasetOptions<Row>) {
    super(options);
    this.rows = [...options.rows];
    for (const [index, row] of this.rows.entries()) {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        throw new TypeError(
          `Dataset rows are objects; row ${index} is ${row === null ? 'null' : typeof row}`,
        );
      }
    }
  }

  get length(): number {
    return this.rows.length;
  }

  /** The row at `index`; negative indexes count from the end. */
  row(index: number): Row {
    const row = this.rows.at(index);
    if (row === undefined) throw new RangeError(`row ${index} is outside a Dataset of ${this.length} rows`);
    return row;
  }

  /** Same as `row` (the official JS SDK's name). */
  getRow(index: number): Row {
    return this.row(index);
  }

  [Symbol.iterator](): Iterator<Row> {
    return this.rows[Symbol.iterator]();
  }

  /** Publishes through the client `init` made, under the Dataset's name. */
  save(): Promise<ObjectRef> {
    const client = currentClient();
    if (!client) return Promise.reject(new Error('Dataset.save() needs a client: call init() first'));
    return client.publish(this);
  }
}

registerObjectClass(Dataset);
