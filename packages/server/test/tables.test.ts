/**
 * Tables over HTTP on the real `weft serve` process: the official SDK's recorded table creates
 * and queries give the recorded digests and rows; updates, tables made from row digests, sorting,
 * paging and counts.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

const PROJECT = 'team/tables';
let server: WeftServerProcess;

interface Exchange {
  id: string;
  route: string;
  request: { body: unknown };
  response: { status: number; body: unknown };
}
const golden = JSON.parse(
  readFileSync(new URL('./fixtures/weave-exchanges.json', import.meta.url), 'utf8'),
) as { exchanges: Exchange[] };

type Rows = Array<{ digest: string; val: Record<string, unknown>; original_index: number }>;
const post = (path: string, body: Record<string, unknown>) =>
  postJson(server.url, path, { project_id: PROJECT, ...body }) as Promise<{ status: number; body: never }>;
const createTable = async (rows: unknown[]) =>
  (await postJson(server.url, '/table/create', { table: { project_id: PROJECT, rows } })) as {
    status: number;
    body: { digest: string; row_digests: string[]; reason?: string };
  };
const queryRows = async (body: Record<string, unknown>): Promise<Rows> =>
  ((await post('/table/query', body)) as { body: { rows: Rows } }).body.rows;

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
});

describe('the official SDK’s recorded table exchanges', () => {
  it('give the recorded digests and rows', async () => {
    const exchanges = golden.exchanges.filter((exchange) => exchange.route.startsWith('/table/'));
    expect(exchanges.map((exchange) => exchange.route)).toEqual([
      '/table/create',
      '/table/query',
      '/table/create',
      '/table/query',
      '/table/create',
      '/table/query',
    ]);
    for (const exchange of exchanges) {
      const res = await postJson(server.url, exchange.route, exchange.request.body);
      expect(res.status, exchange.id).toBe(exchange.response.status);
      expect(res.body, exchange.id).toEqual(exchange.response.body);
    }
  });
});

describe('tables', () => {
  it('gives the same digest to the same rows, and refuses rows that are not objects', async () => {
    const first = await createTable([{ b: 1, a: [1, 2] }, { c: 'x' }]);
    const again = await createTable([{ a: [1, 2], b: 1 }, { c: 'x' }]);
    expect(again.body).toEqual(first.body);
    expect(first.body.digest).toMatch(/^[0-9a-f]{64}$/);
    const bad = await createTable([{ ok: 1 }, 5]);
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toMatch(/table\.rows\[1\]: table rows must be JSON objects/);
    expect((await createTable([])).body.digest).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('updates a table into a new one: append, insert, pop', async () => {
    const base = await createTable([{ n: 0 }, { n: 1 }, { n: 2 }]);
    const updated = (await post('/table/update', {
      base_digest: base.body.digest,
      updates: [
        { append: { row: { n: 3 } } },
        { pop: { index: 0 } },
        { insert: { index: 1, row: { n: 9 } } },
      ],
    })) as { body: { digest: string; updated_row_digests: string[] } };
    const rows = await queryRows({ digest: updated.body.digest });
    expect(rows.map((row) => row.val.n)).toEqual([1, 9, 2, 3]);
    expect(updated.body.updated_row_digests).toEqual([rows[3]?.digest, rows[1]?.digest]);
    // The same rows created directly make the same table.
    expect((await createTable([{ n: 1 }, { n: 9 }, { n: 2 }, { n: 3 }])).body.digest).toBe(
      updated.body.digest,
    );
    const outOfRange = (await post('/table/update', {
      base_digest: base.body.digest,
      updates: [{ pop: { index: 3 } }],
    })) as { status: number; body: { reason: string } };
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.reason).toMatch(/updates\[0\]\.pop\.index 3 is out of range/);
    expect(
      ((await post('/table/update', { base_digest: 'nope', updates: [] })) as { status: number }).status,
    ).toBe(404);
  });

  it('takes integral floats as pop and insert indexes, as pydantic does, and refuses 1.5', async () => {
    const base = await createTable([{ n: 0 }, { n: 1 }, { n: 2 }]);
    // Sent as text: JSON.stringify would write 1.0 as 1.
    const update = async (updates: string) => {
      const res = await fetch(`${server.url}/table/update`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"project_id": "${PROJECT}", "base_digest": "${base.body.digest}", "updates": ${updates}}`,
      });
      return { status: res.status, body: (await res.json()) as { digest: string; reason?: string } };
    };
    const floats = await update('[{"pop": {"index": 1.0}}, {"insert": {"index": 2.0, "row": {"n": 9}}}]');
    expect(floats.status).toBe(200);
    const ints = await update('[{"pop": {"index": 1}}, {"insert": {"index": 2, "row": {"n": 9}}}]');
    expect(floats.body.digest).toBe(ints.body.digest);
    expect((await queryRows({ digest: floats.body.digest })).map((row) => row.val.n)).toEqual([0, 2, 9]);
    expect((await update('[{"pop": {"index": 1e0}}]')).status).toBe(200);

    for (const [updates, reason] of [
      ['[{"pop": {"index": 1.5}}]', /updates\[0\]\.pop\.index must be an integer, not 1\.5/],
      ['[{"insert": {"index": "1", "row": {}}}]', /updates\[0\]\.insert\.index must be an integer, not "1"/],
      ['[{"pop": {"index": null}}]', /must be an integer, not null/],
      ['[{"pop": {"index": 3.0}}]', /updates\[0\]\.pop\.index 3 is out of range for 3 rows/],
      ['[{"pop": {"index": 123456789012345678901234567890}}]', /out of range/],
    ] as const) {
      const refused = await update(updates);
      expect(refused.status, updates).toBe(400);
      expect(refused.body.reason, updates).toMatch(reason);
    }
  });

  it('sorts, filters and pages a table of 10,000 rows, and counts it', async () => {
    const rows = Array.from({ length: 10_000 }, (_, index) => ({
      index,
      score: (index * 7919) % 1000,
      label: index % 3 === 0 ? `label-${index % 7}` : null,
    }));
    const table = await createTable(rows);
    expect(table.status).toBe(200);
    expect(
      ((await post('/table/query_stats', { digest: table.body.digest })) as { body: unknown }).body,
    ).toEqual({
      count: 10_000,
    });
    const page = await queryRows({
      digest: table.body.digest,
      sort_by: [
        { field: 'score', direction: 'desc' },
        { field: 'index', direction: 'asc' },
      ],
      offset: 100,
      limit: 50,
    });
    const expected = [...rows]
      .sort((left, right) => right.score - left.score || left.index - right.index)
      .slice(100, 150);
    expect(page.map((row) => row.val)).toEqual(expected);
    expect(page.map((row) => row.original_index)).toEqual(expected.map((row) => row.index));

    // Nulls sort last, whatever the direction; ties keep table order.
    const byLabel = await queryRows({
      digest: table.body.digest,
      sort_by: [{ field: 'label', direction: 'desc' }],
      limit: 3,
    });
    expect(byLabel.map((row) => row.val.label)).toEqual(['label-6', 'label-6', 'label-6']);
    const lastOnes = await queryRows({
      digest: table.body.digest,
      sort_by: [{ field: 'label', direction: 'asc' }],
      offset: 9_998,
    });
    expect(lastOnes.map((row) => row.val.label)).toEqual([null, null]);

    // In table order, pages are ranges of positions.
    const unsorted = await queryRows({ digest: table.body.digest, offset: 9_990, limit: 5 });
    expect(unsorted.map((row) => row.original_index)).toEqual([9_990, 9_991, 9_992, 9_993, 9_994]);
    expect(unsorted.map((row) => row.val)).toEqual(rows.slice(9_990, 9_995));
    expect(
      (await queryRows({ digest: table.body.digest, offset: 9_997 })).map((row) => row.original_index),
    ).toEqual([9_997, 9_998, 9_999]);
    expect(await queryRows({ digest: table.body.digest, offset: 10_000, limit: 5 })).toEqual([]);
    expect(
      (await queryRows({ digest: table.body.digest, limit: 3 })).map((row) => row.original_index),
    ).toEqual([0, 1, 2]);

    expect(
      await queryRows({ digest: table.body.digest, filter: { row_digests: [] }, limit: 2 }),
    ).toHaveLength(2);
    const picked = await queryRows({
      digest: table.body.digest,
      filter: { row_digests: [table.body.row_digests[42]] },
    });
    expect(picked).toEqual([{ digest: table.body.row_digests[42], val: rows[42], original_index: 42 }]);
  });
});

describe('tables made from row digests', () => {
  type Made = { status: number; body: { digest: string; reason?: string; error_type?: string } };
  const fromDigests = async (rowDigests: unknown, extra: Record<string, unknown> = {}) =>
    (await post('/table/create_from_digests', { row_digests: rowDigests, ...extra })) as Made;
  const count = async (digest: string) =>
    (await post('/table/query_stats', { digest })) as { status: number; body: { count?: number } };

  it('gives the table the digest /table/create gives the same rows, made from parts created before', async () => {
    const rows = Array.from({ length: 25 }, (_, index) => ({ index, label: `row ${index}` }));
    const parts = [rows.slice(0, 10), rows.slice(10, 20), rows.slice(20)];
    const rowDigests: string[] = [];
    for (const part of parts) rowDigests.push(...(await createTable(part)).body.row_digests);

    const made = await fromDigests(rowDigests);
    expect(made.status).toBe(200);
    const whole = await createTable(rows);
    expect(made.body).toEqual({ digest: whole.body.digest });
    expect(whole.body.row_digests).toEqual(rowDigests);
    const read = await queryRows({ digest: made.body.digest });
    expect(read.map((row) => row.val)).toEqual(rows);
    expect(read.map((row) => row.original_index)).toEqual(rows.map((row) => row.index));

    // Any order and repeats of stored rows; the same rows in another order are another table.
    const reordered = [rowDigests[24], rowDigests[0], rowDigests[24]];
    const again = await fromDigests(reordered);
    expect(again.body.digest).toBe((await createTable([rows[24], rows[0], rows[24]])).body.digest);
    expect((await queryRows({ digest: again.body.digest })).map((row) => row.val.index)).toEqual([24, 0, 24]);
  });

  it('makes the empty table from an empty list, as /table/create of no rows does', async () => {
    const empty = await fromDigests([]);
    expect(empty.status).toBe(200);
    expect(empty.body.digest).toBe((await createTable([])).body.digest);
    expect(empty.body.digest).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect((await count(empty.body.digest)).body).toEqual({ count: 0 });
  });

  it('refuses a digest that is no row of the project with a 400 naming the first one, and stores nothing', async () => {
    const stored = (await createTable([{ kept: 1 }, { kept: 2 }])).body.row_digests;
    const unknown = ['U'.repeat(43), 'V'.repeat(43)];
    const refused = await fromDigests([stored[0], unknown[0], stored[1], unknown[1]]);
    expect(refused.status).toBe(400);
    expect(refused.body.error_type).toBe('InvalidRequest');
    expect(refused.body.reason).toBe(`row_digests[1]: there is no row ${unknown[0]} in project ${PROJECT}`);
    // The table those digests would make does not exist.
    const created = await fromDigests([stored[0], stored[1]]);
    expect(created.status).toBe(200);
    const wouldBe = (await fromDigests([stored[0], unknown[0]], { expected_digest: 'x' })).body.reason;
    expect(wouldBe).toMatch(/^the table's digest is [0-9a-f]{64}, not the expected x$/);
    const digest = /is ([0-9a-f]{64})/.exec(wouldBe ?? '')?.[1] ?? '';
    expect((await count(digest)).status).toBe(404);
  });

  it('refuses rows stored only in another project, without telling them apart from unknown ones', async () => {
    const theirs = (await postJson(server.url, '/table/create', {
      table: { project_id: 'team/other', rows: [{ secret: 'theirs' }] },
    })) as { body: { row_digests: string[] } };
    const [digest] = theirs.body.row_digests;
    const refused = await fromDigests([digest]);
    expect(refused.status).toBe(400);
    expect(refused.body.reason).toBe(`row_digests[0]: there is no row ${digest} in project ${PROJECT}`);
    // In its own project the same digest makes a table.
    const own = (await postJson(server.url, '/table/create_from_digests', {
      project_id: 'team/other',
      row_digests: [digest],
    })) as Made;
    expect(own.status).toBe(200);
  });

  it('checks expected_digest (409 on a mismatch, nothing stored) and refuses malformed lists', async () => {
    const stored = (await createTable([{ e: 1 }, { e: 2 }])).body;
    const mismatch = await fromDigests(stored.row_digests, { expected_digest: 'f'.repeat(64) });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.reason).toBe(
      `the table's digest is ${stored.digest}, not the expected ${'f'.repeat(64)}`,
    );
    const reversed = [...stored.row_digests].reverse();
    const reversedMismatch = await fromDigests(reversed, { expected_digest: stored.digest });
    expect(reversedMismatch.status).toBe(409);
    const reversedDigest = /is ([0-9a-f]{64})/.exec(reversedMismatch.body.reason ?? '')?.[1] ?? '';
    expect((await count(reversedDigest)).status).toBe(404);
    // A matching one, and null (what the Python SDK sends), are accepted.
    expect((await fromDigests(stored.row_digests, { expected_digest: stored.digest })).body).toEqual({
      digest: stored.digest,
    });
    expect((await fromDigests(reversed, { expected_digest: null })).body).toEqual({ digest: reversedDigest });

    for (const rowDigests of [undefined, 'abc', [1], [''], ['x'.repeat(129)]]) {
      const refused = await fromDigests(rowDigests);
      expect(refused.status, JSON.stringify(rowDigests)).toBe(400);
      expect(refused.body.reason, JSON.stringify(rowDigests)).toMatch(/row_digests/);
    }
    const tooMany = await fromDigests(Array.from({ length: 1_000_001 }, () => 'a'));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.reason).toMatch(/row_digests.*1000000/);
  });
});
