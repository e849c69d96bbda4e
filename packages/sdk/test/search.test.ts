/**
 * Searching calls from the SDK against the real `weft serve` process: the Query language as the
 * wire object and through the `q` builders, sorting on JSON fields, and keyset paging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, op, q, resetClient, type WeaveClient } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../../test/support/weft-server.js';

let server: WeftServerProcess;
let client: WeaveClient;
const PROJECT = 'tests/search';

const answer = op(function answer(question: { text: string; model: string; temperature: number }) {
  if (question.text.includes('fail')) throw new Error('cannot answer');
  return { text: `answer to ${question.text}`, length: question.text.length };
});

beforeAll(async () => {
  server = await startWeftServer();
  client = init(PROJECT, { serverUrl: server.url });
  const questions = [
    { text: 'What is weft?', model: 'gpt-4o', temperature: 0.1 },
    { text: 'Please fail', model: 'claude', temperature: 0.7 },
    { text: 'WHAT is Weave?', model: 'gpt-4o', temperature: 0.9 },
    { text: 'hello', model: 'llama', temperature: 0.5 },
  ];
  for (const question of questions) {
    try {
      answer(question);
    } catch {
      // The failing call is recorded with its exception.
    }
  }
  await client.flush();
});

afterAll(async () => {
  resetClient();
  await server.stop();
  removeDataDir(server.dataDir);
});

const texts = (calls: Array<{ inputs: Record<string, unknown> }>) =>
  calls.map((call) => (call.inputs.arg0 as { text: string }).text);

describe('getCalls with a query', () => {
  it('takes the wire form', async () => {
    const calls = await client
      .getCalls({
        query: { $expr: { $eq: [{ $getField: 'inputs.arg0.model' }, { $literal: 'gpt-4o' }] } },
      })
      .toArray();
    expect(texts(calls)).toEqual(['What is weft?', 'WHAT is Weave?']);
  });

  it('takes operations built with q, and counts with them', async () => {
    const query = q.and(
      q.contains('inputs.arg0.text', 'what', { caseInsensitive: true }),
      q.gt('inputs.arg0.temperature', 0.5),
    );
    const iter = client.getCalls({ query });
    expect(texts(await iter.toArray())).toEqual(['WHAT is Weave?']);
    expect(await iter.count()).toBe(1);
    expect(texts(await client.getCalls({ query: q.eq('summary.weave.status', 'error') }).toArray())).toEqual([
      'Please fail',
    ]);
    expect(
      texts(await client.getCalls({ query: q.in('inputs.arg0.model', ['llama', 'claude']) }).toArray()),
    ).toEqual(['Please fail', 'hello']);
    expect(texts(await client.getCalls({ query: q.not(q.exists('output.text')) }).toArray())).toEqual([
      'Please fail',
    ]);
  });

  it('sorts by a JSON field', async () => {
    const calls = await client
      .getCalls({ sortBy: [{ field: 'output.length', direction: 'desc' }], query: q.exists('output') })
      .toArray();
    expect(texts(calls)).toEqual(['WHAT is Weave?', 'What is weft?', 'hello']);
  });

  it('a bad query is a clear error from getCalls', async () => {
    await expect(client.getCalls({ query: q.eq('no_such_field', 1) }).toArray()).rejects.toThrow(
      /unknown call field "no_such_field"/,
    );
  });
});

describe('keyset paging', () => {
  it('continues after the last call seen, so deleting seen calls does not skip any', async () => {
    const step = op(function keysetStep(n: number) {
      return n;
    });
    for (let i = 0; i < 12; i++) step(i);
    const filter = { op_names: [`weave:///${PROJECT}/op/keysetStep:*`] };
    for (const sortBy of [undefined, [{ field: 'started_at', direction: 'desc' as const }]]) {
      const iter = client.getCalls({ filter, pageSize: 4, ...(sortBy ? { sortBy } : {}) });
      const seen: number[] = [];
      for await (const call of iter) {
        seen.push(call.inputs.arg0 as number);
        // After each page, delete what was seen: an offset would now point past unseen calls.
        if (seen.length % 4 === 0 && sortBy === undefined) await client.deleteCalls([call.id]);
      }
      expect(seen).toEqual(
        sortBy
          ? [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0].filter((n) => ![3, 7, 11].includes(n))
          : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      );
    }
  });
});
