/**
 * The conformance suites' proxy must catch what an official client cannot see: a 2xx batch answer
 * that dropped items (docs/protocol.md §3.3), besides every status of 300 and above.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchItemBuilders } from './batch-items.js';
import { type RecordingProxy, startRecordingProxy } from './recording-proxy.js';
import { postJson, removeDataDir, startWeftServer, type WeftServerProcess } from './weft-server.js';

const PROJECT = 'team/proxy';
const { uniqueId, start, complete } = batchItemBuilders(PROJECT);
let server: WeftServerProcess;
let proxy: RecordingProxy;

beforeAll(async () => {
  server = await startWeftServer();
  proxy = await startRecordingProxy(server.url);
});

afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  removeDataDir(server?.dataDir);
});

describe('the recording proxy', () => {
  it('marks a 2xx batch answer that dropped items, and leaves a clean one unmarked', async () => {
    const url = proxy.urlFor('drops');
    const clean = await postJson(url, '/call/upsert_batch', { batch: [start(uniqueId('clean'))] });
    const dropping = await postJson(url, '/call/upsert_batch', { batch: [start('call-1')] });
    const v2 = await postJson(url, `/v2/${PROJECT}/calls/complete`, { batch: [complete('call-2')] });
    expect([clean.status, dropping.status, v2.status]).toEqual([200, 200, 200]);
    const [first, second, third] = proxy.exchanges('drops');
    expect(first).toMatchObject({ path: '/call/upsert_batch', status: 200 });
    expect(first?.dropped).toBeUndefined();
    expect(second?.dropped).toMatch(/batch\[0\]\.req\.start\.id must be a UUID/);
    expect(second?.requestBody).toContain('call-1');
    expect(third?.dropped).toMatch(/batch\[0\]\.id must be a UUID/);
  });

  it('keeps the answer of a status of 300 and above', async () => {
    const url = proxy.urlFor('refused');
    const res = await postJson(url, '/call/read', { project_id: PROJECT, id: 'call-1' });
    expect(res.status).toBe(400);
    expect(proxy.exchanges('refused')).toEqual([
      expect.objectContaining({ status: 400, failure: expect.stringContaining('must be a UUID') }),
    ]);
  });
});
