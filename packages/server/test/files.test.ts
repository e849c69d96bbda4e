/**
 * Files over HTTP on the real `weft serve` process: multipart uploads as the official SDK sends
 * them give the recorded digests; contents come back byte for byte and are stored once.
 */
import { readFileSync } from 'node:fs';
import { bytesDigest } from '@weft/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postJson,
  removeDataDir,
  startWeftServer,
  type WeftServerProcess,
} from '../../../test/support/weft-server.js';

let server: WeftServerProcess;

interface FileExchange {
  id: string;
  route: string;
  request: {
    body: {
      multipart: {
        project_id: string;
        file: { filename: string; content_type: string; text?: string; content_base64?: string };
      };
    };
  };
  response: { body: { digest: string } };
}
const golden = JSON.parse(
  readFileSync(new URL('./fixtures/weave-exchanges.json', import.meta.url), 'utf8'),
) as { exchanges: FileExchange[] };

function upload(
  projectId: string,
  content: Uint8Array,
  extra: Record<string, string> = {},
  path = '/file/create',
) {
  const form = new FormData();
  form.append('project_id', projectId);
  for (const [name, value] of Object.entries(extra)) form.append(name, value);
  form.append('file', new Blob([content], { type: 'application/octet-stream' }), 'blob');
  return fetch(`${server.url}${path}`, { method: 'POST', body: form });
}

async function content(projectId: string, digest: string, path = '/file/content') {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: projectId, digest }),
  });
  return {
    status: res.status,
    bytes: new Uint8Array(await res.arrayBuffer()),
    type: res.headers.get('content-type'),
  };
}

beforeAll(async () => {
  server = await startWeftServer();
});

afterAll(async () => {
  await server?.stop();
  removeDataDir(server?.dataDir);
});

describe('files', () => {
  it('reproduces the digests of every recorded upload, and gives the bytes back', async () => {
    const uploads = golden.exchanges.filter((exchange) => exchange.route === '/file/create');
    expect(uploads.length).toBe(8);
    for (const exchange of uploads) {
      const { project_id, file } = exchange.request.body.multipart;
      const bytes = Buffer.from(
        file.content_base64 ?? file.text ?? '',
        file.content_base64 ? 'base64' : 'utf8',
      );
      const res = await upload(project_id, bytes);
      expect(res.status, exchange.id).toBe(200);
      expect(await res.json(), exchange.id).toEqual(exchange.response.body);
      const back = await content(project_id, exchange.response.body.digest);
      expect(back.status).toBe(200);
      expect(back.type).toBe('application/octet-stream');
      expect(Buffer.from(back.bytes).equals(bytes)).toBe(true);
    }
  });

  it('stores the same content once, under either route name, per project', async () => {
    const bytes = new Uint8Array(300_000).map((_, index) => (index * 31) % 256);
    const first = (await (await upload('team/files', bytes)).json()) as { digest: string };
    const second = (await (await upload('team/files', bytes, {}, '/files/create')).json()) as {
      digest: string;
    };
    expect(second.digest).toBe(first.digest);
    expect(
      Buffer.from((await content('team/files', first.digest, '/files/content')).bytes).equals(
        Buffer.from(bytes),
      ),
    ).toBe(true);
    expect((await content('team/other', first.digest)).status).toBe(404);
  });

  it('refuses a wrong expected_digest (409) and malformed uploads (400)', async () => {
    const res = await upload('team/files', new Uint8Array([1, 2, 3]), { expected_digest: 'x'.repeat(43) });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error_type: string }).error_type).toBe('Conflict');
    expect((await upload('not-a-project', new Uint8Array([1]))).status).toBe(400);
    const noFile = new FormData();
    noFile.append('project_id', 'team/files');
    const missing = await fetch(`${server.url}/file/create`, { method: 'POST', body: noFile });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { reason: string }).reason).toMatch(/no "file" part/);
    const notMultipart = await postJson(server.url, '/file/create', { project_id: 'team/files' });
    expect(notMultipart.status).toBe(400);
    expect((await content('team/files', 'nope')).status).toBe(404);
    const truncated = await fetch(`${server.url}/file/create`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="project_id"\r\n\r\nteam/files',
    });
    expect(truncated.status).toBe(400);
    expect(((await truncated.json()) as { reason: string }).reason).toMatch(/malformed multipart body/);
  });

  it('refuses a form with more than one file part (400, naming it) after reading it whole', async () => {
    const unstored = new Uint8Array(200_000).fill(42);
    const form = (names: string[]) => {
      const data = new FormData();
      data.append('project_id', 'team/files');
      for (const name of names) data.append(name, new Blob([unstored]), 'blob');
      return fetch(`${server.url}/file/create`, { method: 'POST', body: data });
    };
    for (const [names, reason] of [
      [['file', 'file'], /expected exactly one file part, named "file"; the form has a second file part/],
      [['upload'], /the form has a file part named "upload"/],
      [['file', 'extra'], /the form has a file part named "extra"/],
      [Array.from({ length: 12 }, () => 'file'), /the form has more than 8 file parts/],
    ] as const) {
      const res = await form([...names]);
      expect(res.status, names.join()).toBe(400);
      const body = (await res.json()) as { reason: string; error_type: string };
      expect(body.error_type).toBe('InvalidRequest');
      expect(body.reason).toMatch(reason);
    }
    // Nothing was stored, and the server goes on taking uploads.
    expect((await content('team/files', bytesDigest(unstored))).status).toBe(404);
    expect((await upload('team/files', new Uint8Array([7]))).status).toBe(200);
  });
});
