/**
 * What the contract does not ask of ClickHouse feedback but its design must hold (feedback.ts,
 * calls-read.ts): feedback fields next to a status filter (the merged view's other form), ids
 * stored again after a purge or a replace (tombstones and versions), and the dialect's correlated
 * `feedbackList` giving the JSON the store's own `include_feedback` read gives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQuery, resolveCallField } from '@weft/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { callsSelect, compileWithinLimits } from '../../query/calls-query.js';
import {
  clickHouseCallsDialect,
  clickHouseFeedbackList,
  clickHouseParams,
} from '../../query/dialects/clickhouse.js';
import { callsQuery, collect, FAILS, finished, idsOf, MS, PROJECT, T0 } from '../contract/call-fixtures.js';
import type { StoredFeedback, TraceStore } from '../trace-store.js';
import { MERGED_VIEW_SETTINGS, mergedCalls } from './calls-read.js';
import { ClickHouseTraceStore } from './clickhouse-trace-store.js';
import { connect } from './connect.js';
import { clickHouseContext } from './context.js';

const folder = mkdtempSync(join(tmpdir(), 'weft-chdb-feedback-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let opened = 0;

async function withStore(run: (store: TraceStore, database: string) => Promise<void>): Promise<void> {
  const database = `feedback_${++opened}`;
  const store = await ClickHouseTraceStore.open(`chdb:${folder}?database=${database}`);
  try {
    await run(store, database);
  } finally {
    await store.close();
  }
}

function feedback(
  id: string,
  callId: string | null,
  overrides: Partial<StoredFeedback> = {},
): StoredFeedback {
  return {
    project_id: PROJECT,
    id,
    weave_ref: `weave:///${PROJECT}/${callId === null ? 'object/thing:v1' : `call/${callId}`}`,
    call_id: callId,
    creator: null,
    feedback_type: 'score',
    payload_json: '{}',
    annotation_ref: null,
    runnable_ref: null,
    call_ref: null,
    trigger_ref: null,
    wb_user_id: null,
    created_at: T0,
    ...overrides,
  };
}

const all = { project_id: PROJECT, query: null, sort_by: [], limit: null, offset: 0 };

describe('ClickHouse feedback (chdb)', () => {
  it('filters by a feedback field and by status in one query, and counts it', async () => {
    await withStore(async (store) => {
      await store.upsertCalls([
        finished('root', { trace_id: 't' }),
        finished('child', { trace_id: 't', parent_id: 'root', started_at: T0 + 1 }, FAILS),
        finished('calm', { started_at: T0 + 2 }),
      ]);
      await store.createFeedback([
        feedback('on-root', 'root', { payload_json: '{"x":1}' }),
        feedback('on-calm', 'calm', { payload_json: '{"x":2}' }),
      ]);
      const query = (expr: Record<string, unknown>) => parseQuery({ $expr: expr }, resolveCallField);
      const status = { $getField: 'summary.weave.status' };
      const scored = query({
        $and: [
          { $gte: [{ $getField: 'feedback.[score].payload.x' }, { $literal: 1 }] },
          { $eq: [status, { $literal: 'descendant_error' }] },
        ],
      });
      expect(await idsOf(store, { query: scored })).toEqual(['root']);
      expect(await store.countCalls({ project_id: PROJECT, filter: {}, query: scored, limit: null })).toBe(1);
      const byScore = await idsOf(store, {
        query: query({ $in: [status, [{ $literal: 'descendant_error' }, { $literal: 'success' }]] }),
        sort_by: [{ field: 'feedback.[score].payload.x', direction: 'desc' }],
      });
      expect(byScore).toEqual(['calm', 'root']);
    });
  });

  it('stores an id again after its purge, and a replacement under the replaced id', async () => {
    await withStore(async (store) => {
      await store.createFeedback([feedback('a', 'c1', { payload_json: '{"v":1}' })]);
      expect(await store.purgeFeedback(PROJECT, ['a', 'a'])).toBe(1);
      expect(await store.purgeFeedback(PROJECT, ['a'])).toBe(0);
      const again = feedback('a', 'c1', { payload_json: '{"v":2}' });
      expect(await store.createFeedback([again])).toEqual([again]);
      // The same id, call, type and time: the new row's key is the tombstone's.
      const same = feedback('a', 'c1', { payload_json: '{"v":3}' });
      expect(await store.replaceFeedback(PROJECT, 'a', same)).toBe(true);
      expect(await store.queryFeedback(all)).toEqual([same]);
      // A replacement whose id is taken keeps what is stored there; the replaced row goes.
      await store.createFeedback([feedback('b', null)]);
      expect(
        await store.replaceFeedback(PROJECT, 'a', feedback('b', 'c1', { payload_json: '{"v":4}' })),
      ).toBe(true);
      expect(await store.queryFeedback(all)).toEqual([feedback('b', null)]);
    });
  });

  it('gives the same include_feedback JSON through the dialect’s correlated feedbackList', async () => {
    await withStore(async (store, database) => {
      await store.upsertCalls([
        finished('a'),
        finished('b', { started_at: T0 + 1 }),
        finished('c', { started_at: T0 + 2 }),
      ]);
      await store.createFeedback([
        feedback('f2', 'a', {
          payload_json: '{"text":"o\'\\"/\\\\ 👍","n":[1,2.5,null],"deep":{"k":true}}',
          created_at: T0 + 123_456,
          creator: 'ada/lovelace',
          runnable_ref: `weave:///${PROJECT}/op/judge:v1`,
        }),
        feedback('f1', 'a', { created_at: T0 + 123_456, wb_user_id: 'ü' }),
        feedback('f0', 'a', { created_at: T0 - 5 * MS, feedback_type: 'wandb.note.1' }),
        feedback('g', 'b', { annotation_ref: 'r', call_ref: 'c', trigger_ref: 't' }),
      ]);
      const fromStore = await collect(store, { include_feedback: true });
      const client = connect({ kind: 'chdb', path: folder, database });
      try {
        const context = clickHouseContext(client, { database });
        const dialect = {
          ...clickHouseCallsDialect,
          feedbackList: (row: string) => clickHouseFeedbackList(row, context.table('feedback')),
        };
        const statement = compileWithinLimits(
          callsSelect(
            callsQuery({ include_feedback: true }),
            { dialect },
            { from: mergedCalls(context, PROJECT, { flags: 'later' }) },
          ),
          dialect,
        );
        const result = await client.query({
          query: statement.text,
          query_params: clickHouseParams(statement.params),
          format: 'JSONEachRow',
          // The decorrelated join keeps the page's order only this way (clickHouseFeedbackList).
          clickhouse_settings: { ...MERGED_VIEW_SETTINGS, correlated_subqueries_default_join_kind: 'left' },
        });
        const fromDialect = await result.json<{ id: string; feedback_json: string }>();
        expect(fromDialect.map((row) => row.id)).toEqual(['a', 'b', 'c']);
        expect(fromDialect.map((row) => JSON.parse(row.feedback_json))).toEqual(
          fromStore.map((call) => JSON.parse(call.feedback_json ?? 'null')),
        );
        const [first] = JSON.parse(fromStore[0]?.feedback_json ?? '[]') as Array<Record<string, unknown>>;
        expect(Object.keys(first ?? {})).toEqual([
          'id',
          'feedback_type',
          'weave_ref',
          'payload',
          'creator',
          'created_at',
          'wb_user_id',
          'runnable_ref',
          'call_ref',
          'trigger_ref',
          'annotation_ref',
        ]);
        expect(first?.created_at).toBe('2025-12-31T23:59:59.995000Z');
      } finally {
        await client.close();
      }
    });
  });
});
