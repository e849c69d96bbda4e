/**
 * The web UI on a server that requires API keys (issue 13, docs/protocol.md §19), in Chromium
 * against the built `weft serve`: the key prompt, a wrong key, a key limited to one project (its
 * projects page, another project's 403), the key kept in the tab's sessionStorage and never in a
 * URL, forgetting it, and whose feedback is whose under a key. Keys are made with the real CLI
 * (`weft keys create`) before the server starts; calls and feedback are logged over HTTP with them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Locator, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchItemBuilders } from '../support/batch-items.js';
import { CLI_PATH, removeDataDir, startWeftServer, type WeftServerProcess } from '../support/weft-server.js';
import { type BrowserSession, launchBrowser } from './support/browser.js';
import { takeScreenshot } from './support/screenshots.js';
import { uiPaths } from './support/ui-paths.js';

const run = promisify(execFile);

const ALPHA = { entity: 'team', project: 'alpha' };
const BETA = { entity: 'team', project: 'beta' };
const PROMPT_TITLE = 'This weft server requires an API key';

interface Keys {
  /** alice: team/alpha only. */
  alice: string;
  /** bob: every project. */
  bob: string;
  /** carol: every project, read-only. */
  carol: string;
}

let server: WeftServerProcess;
let browser: BrowserSession;
let keys: Keys;
let alphaCallId: string;
let betaCallId: string;
const open = new Set<Page>();

/** `weft keys create` as an administrator runs it: the key is the one line on stdout. */
async function createKey(dataDir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI_PATH, 'keys', 'create', ...args, '--data', dataDir]);
  const key = stdout.trim();
  expect(key).toMatch(/^weft_\S+$/);
  return key;
}

async function send(path: string, body: unknown, key: string): Promise<unknown> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status, `${path}: ${text}`).toBe(200);
  return text ? JSON.parse(text) : undefined;
}

async function logCall(projectId: string, opName: string, key: string): Promise<string> {
  const { uniqueId, complete } = batchItemBuilders(projectId);
  const id = uniqueId(opName);
  await send(
    `/v2/${projectId}/calls/complete`,
    { batch: [complete(id, { op_name: `weave:///${projectId}/op/${opName}:keys0digest`, output: id })] },
    key,
  );
  return id;
}

async function react(projectId: string, callId: string, emoji: string, key: string): Promise<void> {
  await send(
    '/feedback/create',
    {
      project_id: projectId,
      weave_ref: `weave:///${projectId}/call/${callId}`,
      feedback_type: 'wandb.reaction.1',
      payload: { emoji },
    },
    key,
  );
}

async function reactionsOf(projectId: string, callId: string): Promise<Array<[unknown, unknown]>> {
  const body = (await send(
    '/feedback/query',
    {
      project_id: projectId,
      query: {
        $expr: { $eq: [{ $getField: 'weave_ref' }, { $literal: `weave:///${projectId}/call/${callId}` }] },
      },
    },
    keys.bob,
  )) as { result: Array<{ payload: { emoji?: unknown }; wb_user_id: unknown }> };
  return body.result.map((row) => [row.payload.emoji, row.wb_user_id]);
}

beforeAll(async () => {
  const launching = launchBrowser();
  const dataDir = mkdtempSync(join(tmpdir(), 'weft-ui-keys-'));
  keys = {
    alice: await createKey(dataDir, '--user', 'alice', '--project', 'team/alpha'),
    bob: await createKey(dataDir, '--user', 'bob'),
    carol: await createKey(dataDir, '--user', 'carol', '--read-only'),
  };
  server = await startWeftServer({ dataDir });
  browser = await launching;
  alphaCallId = await logCall('team/alpha', 'answer', keys.bob);
  await logCall('team/alpha', 'retrieve', keys.bob);
  betaCallId = await logCall('team/beta', 'answer', keys.bob);
  // The server names the author from the key, whatever the client sends.
  await react('team/alpha', alphaCallId, '👍', keys.alice);
  await react('team/alpha', alphaCallId, '🎉', keys.bob);
  expect(await reactionsOf('team/alpha', alphaCallId)).toEqual([
    ['👍', 'alice'],
    ['🎉', 'bob'],
  ]);
}, 120_000);

afterEach(async () => {
  const pages = [...open];
  open.clear();
  await Promise.all(pages.map((page) => page.close()));
});

afterAll(async () => {
  await browser?.close();
  if (server) {
    await server.stop();
    removeDataDir(server.dataDir);
  }
});

interface Watched {
  page: Page;
  /** Every URL the page requested or navigated to. */
  urls: string[];
  /** How many requests the page has made so far. */
  requestCount(): number;
  /** The Authorization header of each request to `path` (from the `since`th request on), in order. */
  authorizationOf(path: string, since?: number): Promise<Array<string | undefined>>;
  errors: Error[];
}

/** A new tab (its own sessionStorage, so no key yet) on `path`, watched from its first request. */
async function openPage(path: string, base = server.url): Promise<Watched> {
  const page = await browser.context.newPage();
  open.add(page);
  const urls: string[] = [];
  const errors: Error[] = [];
  const requests: Request[] = [];
  page.on('request', (request) => {
    urls.push(request.url());
    requests.push(request);
  });
  page.on('framenavigated', (frame) => urls.push(frame.url()));
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${base}${path}`);
  return {
    page,
    urls,
    errors,
    requestCount: () => requests.length,
    // Read while the page is open: the headers as sent, the browser's own included.
    authorizationOf: (wanted, since = 0) =>
      Promise.all(
        requests
          .slice(since)
          .filter((request) => new URL(request.url()).pathname === wanted)
          .map(async (request) => (await request.allHeaders()).authorization),
      ),
  };
}

function prompt(page: Page): Locator {
  return page.getByRole('heading', { name: PROMPT_TITLE });
}

async function enterKey(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** What the tab keeps: its sessionStorage and localStorage, as name → value. */
function storage(page: Page): Promise<{ session: Record<string, string>; local: Record<string, string> }> {
  return page.evaluate(() => {
    interface WebStorage {
      length: number;
      key(index: number): string | null;
      getItem(name: string): string | null;
    }
    const win = globalThis as unknown as { sessionStorage: WebStorage; localStorage: WebStorage };
    const entries = (store: WebStorage) =>
      Object.fromEntries(
        Array.from({ length: store.length }, (_, i) => {
          const name = store.key(i) ?? '';
          return [name, store.getItem(name) ?? ''];
        }),
      );
    return { session: entries(win.sessionStorage), local: entries(win.localStorage) };
  });
}

describe('the key prompt', () => {
  it('shows instead of any data when no key is given', async () => {
    const { page, errors } = await openPage(uiPaths.projects());
    await prompt(page).waitFor();
    expect(await page.getByText('weft keys create --user NAME').count()).toBe(1);
    expect(await page.getByLabel('API key', { exact: true }).getAttribute('type')).toBe('password');
    // Nothing of the projects: not their names, not the projects page.
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toContain('alpha');
    expect(text).not.toContain('beta');
    expect(await page.getByRole('heading', { name: 'Projects' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Forget key' }).count()).toBe(0);
    await takeScreenshot(page, 'api-key-prompt');
    expect(errors).toEqual([]);
  });

  it("a wrong key shows the server's reason and the prompt stays", async () => {
    const { page, urls, errors } = await openPage(uiPaths.projects());
    await prompt(page).waitFor();
    const wrong = `weft_${'x'.repeat(55)}`;
    await enterKey(page, wrong);
    await page.getByRole('alert').filter({ hasText: 'the API key is not valid' }).waitFor();
    await prompt(page).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await storage(page)).session).toEqual({});
    for (const url of urls) expect(url).not.toContain(wrong);
    expect(errors).toEqual([]);
  });
});

describe('a key limited to one project', () => {
  it('lists only its project, sends the key in a header and never in a URL, and survives a reload', async () => {
    const { page, urls, errors, authorizationOf, requestCount } = await openPage(uiPaths.projects());
    await prompt(page).waitFor();
    await enterKey(page, keys.alice);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByRole('link', { name: 'team/alpha' }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'team/beta' }).count()).toBe(0);
    expect(await page.getByRole('row').filter({ hasText: 'team/alpha' }).count()).toBe(1);
    // The header names the key's user and offers to forget the key.
    await page.locator('.app-header').getByText('alice', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Forget key' }).waitFor();

    // The key is kept in this tab's sessionStorage, and nowhere else the page can write.
    const kept = await storage(page);
    expect(Object.values(kept.session)).toEqual([keys.alice]);
    expect(kept.local).toEqual({});

    const beforeReload = requestCount();
    await page.reload();
    await page.getByRole('link', { name: 'team/alpha' }).waitFor();
    expect(await prompt(page).count()).toBe(0);

    // Into the project: its calls, read with the key.
    await page.getByRole('link', { name: 'team/alpha' }).click();
    await page.waitForURL((url) => url.pathname === uiPaths.traces(ALPHA));
    await page.locator(`tr[data-call-id="${alphaCallId}"]`).waitFor();

    expect(page.url()).not.toContain(keys.alice);
    expect(urls.length).toBeGreaterThan(5);
    for (const url of urls) expect(url).not.toContain(keys.alice);
    // The key goes in the Authorization header: after the reload, on every read from the start.
    const bearer = `Bearer ${keys.alice}`;
    for (const path of ['/weft/session', '/weft/projects', '/calls/stream_query']) {
      const sent = await authorizationOf(path, beforeReload);
      expect(sent.length, path).toBeGreaterThan(0);
      expect(sent, path).toEqual(Array(sent.length).fill(bearer));
    }
    // Before it was given, reads went without one (and were refused).
    expect((await authorizationOf('/weft/session')).at(0)).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it("continues on the page it was opened on, and another project's page shows the server's 403 reason", async () => {
    const { page, errors } = await openPage(uiPaths.traces(BETA));
    await prompt(page).waitFor();
    await enterKey(page, keys.alice);
    const failure = page.getByRole('alert').filter({ hasText: 'No access to the traces' });
    await failure.waitFor();
    expect(await failure.locator('.reason').textContent()).toBe(
      'this API key may not use project "team/beta"',
    );
    expect(new URL(page.url()).pathname).toBe(uiPaths.traces(BETA));
    expect(await page.locator(`tr[data-call-id="${betaCallId}"]`).count()).toBe(0);
    // A trace page of that project says the same, and nothing of the call.
    await page.goto(`${server.url}${uiPaths.call(BETA, betaCallId)}`);
    await page.getByText('this API key may not use project "team/beta"').first().waitFor();
    expect(await prompt(page).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('forgetting the key returns to the prompt, and the key is gone from the tab', async () => {
    const { page, errors } = await openPage(uiPaths.traces(ALPHA));
    await prompt(page).waitFor();
    await enterKey(page, keys.alice);
    await page.locator(`tr[data-call-id="${alphaCallId}"]`).waitFor();
    await page.getByRole('button', { name: 'Forget key' }).click();
    await prompt(page).waitFor();
    expect(await page.locator(`tr[data-call-id="${alphaCallId}"]`).count()).toBe(0);
    expect((await storage(page)).session).toEqual({});
    await page.reload();
    await prompt(page).waitFor();
    expect(new URL(page.url()).pathname).toBe(uiPaths.traces(ALPHA));
    expect(errors).toEqual([]);
  });
});

describe('feedback under a key', () => {
  function feedbackSection(page: Page): Locator {
    return page
      .getByRole('region', { name: 'Selected call' })
      .locator('.detail-section')
      .filter({ has: page.getByRole('heading', { name: 'Feedback', exact: true }) });
  }

  async function chips(section: Locator): Promise<Array<[string, string | null]>> {
    const buttons = section.locator('.reaction-chip');
    const texts = await buttons.allTextContents();
    const pressed = await buttons.evaluateAll((all) => all.map((b) => b.getAttribute('aria-pressed')));
    return texts.map((text, i) => [text, pressed[i] ?? null]);
  }

  it("the key's user's reactions are theirs to take back; another user's are not", async () => {
    const { page, errors } = await openPage(uiPaths.call(ALPHA, alphaCallId));
    await enterKey(page, keys.alice);
    const section = feedbackSection(page);
    await section.locator('.reaction-chip').first().waitFor();
    expect(await chips(section)).toEqual([
      ['👍1', 'true'],
      ['🎉1', 'false'],
    ]);

    // A reaction added here is stored as alice's, and shows as hers.
    await section.getByText('+ React').click();
    await section.getByRole('button', { name: 'React with 🚀' }).click();
    await expect.poll(() => chips(section)).toContainEqual(['🚀1', 'true']);
    expect(await reactionsOf('team/alpha', alphaCallId)).toContainEqual(['🚀', 'alice']);
    await section.getByRole('button', { name: '🚀 1', pressed: true }).click();
    await expect
      .poll(() => chips(section))
      .toEqual([
        ['👍1', 'true'],
        ['🎉1', 'false'],
      ]);
    expect(errors).toEqual([]);
  });

  it("a read-only key reads, and a change says the server's reason", async () => {
    const { page, errors } = await openPage(uiPaths.call(ALPHA, alphaCallId));
    await enterKey(page, keys.carol);
    await page.locator('.app-header').getByText('read-only', { exact: true }).waitFor();
    const section = feedbackSection(page);
    await section.locator('.reaction-chip').first().waitFor();
    // carol wrote none of them.
    expect((await chips(section)).map(([, pressed]) => pressed)).toEqual(['false', 'false']);
    await section.getByText('+ React').click();
    await section.getByRole('button', { name: 'React with 🚀' }).click();
    await section.getByRole('alert').filter({ hasText: 'the API key of carol is read-only' }).waitFor();
    expect(errors).toEqual([]);
  });
});

describe('a server without keys', () => {
  it('shows its pages with no prompt and no key in the header', async () => {
    const open = await startWeftServer();
    try {
      const { page, errors, authorizationOf } = await openPage(uiPaths.projects(), open.url);
      await page.getByRole('heading', { name: 'No projects yet' }).waitFor();
      expect(await prompt(page).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Forget key' }).count()).toBe(0);
      expect(await authorizationOf('/weft/session')).toEqual([undefined]);
      expect(errors).toEqual([]);
    } finally {
      await open.stop();
      removeDataDir(open.dataDir);
    }
  });
});
