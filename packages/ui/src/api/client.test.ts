import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

interface Sent {
  url: string;
  authorization: string | null;
}

let sent: Sent[];
let answer: () => Response;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

beforeEach(() => {
  sent = [];
  answer = () => json(200, {});
  const data = new Map<string, string>();
  vi.stubGlobal('sessionStorage', {
    getItem: (name: string) => data.get(name) ?? null,
    setItem: (name: string, value: string) => void data.set(name, value),
    removeItem: (name: string) => void data.delete(name),
  });
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      sent.push({ url, authorization: headers.get('authorization') });
      return answer();
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** client.ts and the api-key.ts it reads, fresh for each test (the key store is module state). */
async function fresh() {
  vi.resetModules();
  const client = await import('./client');
  const keys = await import('./api-key');
  return { client, keys };
}

describe('the API client and the API key', () => {
  it('sends the stored key as a Bearer header on every kind of request, and never in the URL', async () => {
    const { client, keys } = await fresh();
    keys.saveApiKey('weft_secret');
    answer = () => json(200, { projects: [], count: 0 });
    await client.getJson('/weft/projects');
    await client.postJson('/calls/query_stats', { project_id: 'e/p' });
    answer = () => new Response(new Uint8Array([1, 2]));
    await client.postForBytes('/file/content', { project_id: 'e/p', digest: 'd' });
    answer = () => new Response('{"id":"a"}\n');
    await client.queryCalls({ project_id: 'e/p' });
    await client.streamCalls({ project_id: 'e/p' }, () => undefined);
    expect(sent.map((request) => request.authorization)).toEqual(Array(5).fill('Bearer weft_secret'));
    for (const { url } of sent) expect(url).not.toContain('weft_secret');
  });

  it('sends no Authorization header without a key', async () => {
    const { client } = await fresh();
    await client.getJson('/weft/session');
    expect(sent).toEqual([{ url: '/weft/session', authorization: null }]);
  });

  it("a 401 fails with the server's reason and tells the app a key is needed", async () => {
    const { client, keys } = await fresh();
    keys.saveApiKey('weft_revoked');
    answer = () => json(401, { reason: 'the API key is not valid', error_type: 'Unauthorized' });
    const failure = client.postJson('/calls/query_stats', { project_id: 'e/p' });
    await expect(failure).rejects.toMatchObject({ status: 401, reason: 'the API key is not valid' });
    expect(keys.keyNeeded()).toEqual({ reason: 'the API key is not valid', refused: true });
    expect(keys.readApiKey()).toBeNull();
  });

  it('a 403 fails with the reason and leaves the key alone', async () => {
    const { client, keys } = await fresh();
    keys.saveApiKey('weft_limited');
    const reason = 'this API key may not use project "team/beta"';
    answer = () => json(403, { reason, error_type: 'Forbidden' });
    const error = await client.postJson('/calls/query_stats', { project_id: 'team/beta' }).catch((e) => e);
    expect(error).toBeInstanceOf(client.ApiError);
    expect(error).toMatchObject({ reason, forbidden: true });
    expect(keys.keyNeeded()).toBeNull();
    expect(keys.readApiKey()).toBe('weft_limited');
  });

  it("a key being tried is sent instead of the stored one, and its 401 is the caller's alone", async () => {
    const { client, keys } = await fresh();
    answer = () => json(401, { reason: 'the API key is not valid', error_type: 'Unauthorized' });
    await expect(client.getJson('/weft/session', { trialKey: 'weft_typo' })).rejects.toMatchObject({
      status: 401,
    });
    expect(sent).toEqual([{ url: '/weft/session', authorization: 'Bearer weft_typo' }]);
    expect(keys.keyNeeded()).toBeNull();
    expect(keys.readApiKey()).toBeNull();
  });
});
