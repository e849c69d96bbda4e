/**
 * The TraceStore contract on ClickHouse, run on the engine the `chdb` package ships (ClickHouse
 * 26.x inside this process, installed from the npm registry): the whole suite, as SQLite runs it,
 * with one folder for the file and a fresh database for each store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuery, resolveCallField } from '@weft/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { finished, idsOf, T0 } from '../contract/call-fixtures.js';
import { price } from '../contract/prices-contract.js';
import { describeTraceStoreContract } from '../contract/trace-store-contract.js';
import { ClickHouseTraceStore } from './clickhouse-trace-store.js';
import { connect } from './connect.js';

const folder = mkdtempSync(join(tmpdir(), 'weft-chdb-contract-'));
let opened = 0;

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('ClickHouse store (chdb)', () => {
  it('opens a new database with its schema, and opens it again', async () => {
    const database = `reopened_${++opened}`;
    const first = await ClickHouseTraceStore.open(`chdb:${folder}?database=${database}`);
    await first.close();
    const again = await ClickHouseTraceStore.open(`chdb:${folder}?database=${database}`);
    expect(again).toBeInstanceOf(ClickHouseTraceStore);
    await again.close();
  });

  it('prices the calls stored before it kept the model names they log, once migration 5 has run', async () => {
    const database = `model_names_${++opened}`;
    const url = `chdb:${folder}?database=${database}`;
    const costOver = parseQuery(
      { $expr: { $gt: [{ $getField: 'summary.weave.total_cost' }, { $literal: 1 }] } },
      resolveCallField,
    );
    const store = await ClickHouseTraceStore.open(url);
    await store.createPrices([price({ id: 'p', llm_id: 'my-model', effective_date: null })]);
    const usage = (prompt: number) => JSON.stringify({ usage: { 'my-model': { prompt_tokens: prompt } } });
    await store.upsertCalls([
      finished('dear', { started_at: T0 }, { summary_json: usage(5000) }),
      finished('cheap', { started_at: T0 + 1 }, { summary_json: usage(10) }),
    ]);
    expect(await idsOf(store, { query: costOver })).toEqual(['dear']);
    await store.close();

    // The database as a weft from before migration 5 left it: no names kept, version 5 not applied.
    const client = connect({ kind: 'chdb', path: folder, database });
    await client.command({ query: `TRUNCATE TABLE ${database}.call_model_names` });
    await client.command({ query: `DELETE FROM ${database}.weft_migrations WHERE version = 5` });
    await client.close();
    const again = await ClickHouseTraceStore.open(url);
    expect(await idsOf(again, { query: costOver })).toEqual(['dear']);
    await again.close();
  });
});

describeTraceStoreContract('clickhouse (chdb)', () =>
  ClickHouseTraceStore.open(`chdb:${folder}?database=contract_${++opened}`),
);
