/**
 * `--query-timeout` on ClickHouse (query-helpers.ts): a read past the limit is stopped by
 * ClickHouse and answered as the QueryTimeout clients get (504), with the advice for what it
 * read; reads outside the limit, and reads in time, are untouched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTimeout } from '@weft/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from './connect.js';
import { clickHouseContext } from './context.js';
import { selectRows } from './query-helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'weft-chdb-time-limit-'));
const client = connect({ kind: 'chdb', path: folder, database: 'default' });
const context = clickHouseContext(client, { database: 'default' }, { queryTimeoutMs: 250 });
afterAll(async () => {
  await client.close();
  rmSync(folder, { recursive: true, force: true });
});

// A read that takes about a second whatever the machine: a row every 50 ms.
const SLOW = 'SELECT sleepEachRow(0.05) AS slept FROM numbers(20) SETTINGS max_block_size = 1';

describe('the time limit on ClickHouse', () => {
  it('stops a read past it with a QueryTimeout that names the limit', async () => {
    const failure = await selectRows(context, SLOW, {}, { timeLimit: 'table' }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(QueryTimeout);
    expect((failure as QueryTimeout).message).toMatch(
      /time limit of 250 ms; read the table a page at a time/,
    );
  });

  it('leaves reads in time, and reads it does not apply to, alone', async () => {
    expect(await selectRows(context, 'SELECT 1 AS one', {}, { timeLimit: 'calls' })).toEqual([{ one: 1 }]);
    const untimed = await selectRows<{ slept: number }>(context, SLOW);
    expect(untimed).toHaveLength(20);
  });
});
