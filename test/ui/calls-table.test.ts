/**
 * The calls table (`/:entity/:project/weave/traces`) in Chromium against the built `weft serve`,
 * over the research project seeded through weft's SDK (support/seed.ts): ~300 traces, a custom
 * summary key on the roots, a pipeline whose grandchild failed, a call left running.
 *
 * Expected orders and counts are asked of the server through the same routes, so the tests check
 * that the table shows what the server answers, in the server's order.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { postJson } from '../support/weft-server.js';
import { useUiHarness } from './support/harness.js';
import { startLiveProject } from './support/live-calls.js';

const ui = useUiHarness({ evaluations: false });

type Query = { $expr: Record<string, unknown> };

/** Ids of the calls the server returns for the research project's trace roots. */
async function serverIds(options: {
  sort?: Array<{ field: string; direction: 'asc' | 'desc' }>;
  query?: Query;
  filter?: Record<string, unknown>;
  limit?: number;
}): Promise<string[]> {
  const res = await postJson(ui.server.url, '/calls/stream_query', {
    project_id: ui.seed.research.projectId,
    filter: { trace_roots_only: true, ...options.filter },
    sort_by: options.sort ?? [
      { field: 'started_at', direction: 'desc' },
      { field: 'id', direction: 'desc' },
    ],
    ...(options.query ? { query: options.query } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
    columns: ['id'],
  });
  expect(res.status).toBe(200);
  return (res.body as Array<{ id: string }>).map((call) => call.id);
}

async function serverCount(query?: Query): Promise<number> {
  const res = await postJson(ui.server.url, '/calls/query_stats', {
    project_id: ui.seed.research.projectId,
    filter: { trace_roots_only: true },
    ...(query ? { query } : {}),
  });
  expect(res.status).toBe(200);
  return (res.body as { count: number }).count;
}

const rows = (page: Page) => page.locator('tbody tr.call-row');

/** The ids of the first `n` rows the table renders, top to bottom. */
async function firstRowIds(page: Page, n: number): Promise<string[]> {
  await rows(page).first().waitFor();
  const ids: string[] = [];
  const count = Math.min(n, await rows(page).count());
  for (let i = 0; i < count; i++) ids.push((await rows(page).nth(i).getAttribute('data-call-id')) ?? '');
  return ids;
}

/** The text of a row's cell under the column headed `header`. */
async function cellUnder(page: Page, rowId: string, header: string): Promise<string> {
  const headers = await page.locator('thead th').allTextContents();
  const index = headers.findIndex((text) => text.replace(/[▲▼]/g, '').trim() === header);
  expect(index, `a column headed ${header} among ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return (await page.locator(`tr[data-call-id="${rowId}"] td`).nth(index).textContent()) ?? '';
}

const relevanceAtLeast = (value: number): Query => ({
  $expr: { $gte: [{ $getField: 'summary.relevance' }, { $literal: value }] },
});

describe('calls table', () => {
  it('shows op names, statuses, outputs and the custom summary key, from rows fetched without inputs', async () => {
    const { research } = ui.seed;
    const requests: Array<Record<string, unknown>> = [];
    const answers: Array<Promise<string>> = [];
    const page = await ui.context.newPage();
    try {
      page.on('request', (request) => {
        if (request.url().endsWith('/calls/stream_query')) requests.push(request.postDataJSON());
      });
      page.on('response', (response) => {
        if (response.url().endsWith('/calls/stream_query')) answers.push(response.text());
      });
      await page.goto(`${ui.server.url}${ui.paths.traces(research)}`);

      // Newest first: the call left running is the newest trace.
      await page.locator(`tr[data-call-id="${research.runningCallId}"]`).waitFor();
      expect(await cellUnder(page, research.runningCallId, 'Op')).toBe('long_running_job');
      expect(await cellUnder(page, research.runningCallId, 'Status')).toBe('Running');

      const newestBulk = research.bulkRootIds[research.bulkRootIds.length - 1] as string;
      expect(await cellUnder(page, newestBulk, 'Op')).toBe('handle_request');
      expect(await cellUnder(page, newestBulk, 'Status')).toBe('Success');
      // The output as one line of JSON: what handle_request returned.
      const newestNumber = research.bulkRootIds.length - 1;
      const output = JSON.parse((await cellUnder(page, newestBulk, 'Output')) ?? '') as { reply: string };
      expect(output.reply).toMatch(new RegExp(`^Request ${newestNumber} handled as `));
      expect(await cellUnder(page, research.runningCallId, 'Output')).toBe('—');
      // The custom summary key is a column of its own, with the value the op wrote.
      const relevance = await cellUnder(page, newestBulk, research.summaryKey);
      expect(relevance).toBe(String(((((research.bulkRootIds.length - 1) * 37) % 100) + 1) / 100));

      await page.getByText(/^\d+ traces$/).waitFor();
      expect(await page.locator('.calls-count').textContent()).toBe(
        `${(await serverCount()).toLocaleString('en-US')} traces`,
      );
      await ui.screenshot(page, 'calls-table');

      // Inputs and attributes, the heavy part, are not asked for, and what comes back has none.
      expect(requests.length).toBeGreaterThan(0);
      for (const body of requests) {
        expect(body.columns).toEqual(expect.not.arrayContaining(['inputs', 'attributes']));
        expect(body.columns).toContain('output');
      }
      const lines = (await Promise.all(answers)).flatMap((text) => text.split('\n').filter(Boolean));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const call = JSON.parse(line) as { inputs: unknown; attributes: unknown };
        expect(call.inputs).toEqual({});
        expect(call.attributes).toEqual({});
      }
    } finally {
      await page.close();
    }
  });

  it('marks a trace whose descendant failed, with its summary key, when filtered to its op', async () => {
    const { research } = ui.seed;
    const page = await ui.openPage(`${ui.paths.traces(research)}?op=research_pipeline`);
    await page.locator(`tr[data-call-id="${research.pipelineRootId}"]`).waitFor();
    expect(await rows(page).count()).toBe(1);
    expect(await cellUnder(page, research.pipelineRootId, 'Op')).toBe('research_pipeline');
    expect(await cellUnder(page, research.pipelineRootId, 'Status')).toBe('Child failed');
    expect(await cellUnder(page, research.pipelineRootId, research.summaryKey)).toBe(
      String(research.pipelineSummaryValue),
    );
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('sorting by a column asks the server and shows its order', async () => {
    const { research } = ui.seed;
    const page = await ui.openPage(ui.paths.traces(research));
    const newestFirst = await serverIds({ limit: 10 });
    await expect.poll(() => firstRowIds(page, 10)).toEqual(newestFirst);

    const header = page.getByRole('button', { name: research.summaryKey, exact: true });
    await header.click();
    await page.waitForURL((url) => url.searchParams.get('sort') === `-summary.${research.summaryKey}`);
    const byRelevanceDesc = await serverIds({
      sort: [{ field: `summary.${research.summaryKey}`, direction: 'desc' }],
      limit: 10,
    });
    expect(byRelevanceDesc).not.toEqual(newestFirst);
    await expect.poll(() => firstRowIds(page, 10)).toEqual(byRelevanceDesc);
    expect(await cellUnder(page, byRelevanceDesc[0] as string, research.summaryKey)).toBe('1');

    await header.click();
    await page.waitForURL((url) => url.searchParams.get('sort') === `summary.${research.summaryKey}`);
    const byRelevanceAsc = await serverIds({
      sort: [{ field: `summary.${research.summaryKey}`, direction: 'asc' }],
      limit: 10,
    });
    await expect.poll(() => firstRowIds(page, 10)).toEqual(byRelevanceAsc);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a Query filter built in the filter builder narrows the rows', async () => {
    const { research } = ui.seed;
    const page = await ui.openPage(ui.paths.traces(research));
    await rows(page).first().waitFor();

    await page.getByText('+ Filter').click();
    await page.getByLabel('Field path').fill(`summary.${research.summaryKey}`);
    await page.getByLabel('Operator').selectOption({ label: '≥' });
    await page.getByLabel('Value').fill('0.9');
    await page.getByRole('button', { name: 'Add filter' }).click();

    await page.waitForURL((url) => url.searchParams.has('where'));
    const query = relevanceAtLeast(0.9);
    const expected = await serverIds({ query });
    const total = await serverCount();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(total);
    await expect.poll(() => page.locator('.calls-count').textContent()).toBe(`${expected.length} traces`);
    await expect.poll(() => firstRowIds(page, 100)).toEqual(expected.slice(0, 100));
    await page.getByText(`summary.${research.summaryKey} ≥ 0.9`).waitFor();

    // Removing the filter brings every trace back.
    await page.getByRole('button', { name: `Remove filter summary.${research.summaryKey} ≥ 0.9` }).click();
    await expect.poll(() => page.locator('.calls-count').textContent()).toBe(`${total} traces`);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('clicking a row, or Enter on it, opens the trace', async () => {
    const { research } = ui.seed;
    const traces = `${ui.paths.traces(research)}?op=research_pipeline`;
    const tracePath = ui.paths.call(research, research.pipelineRootId);

    const clicked = await ui.openPage(traces);
    await clicked.locator(`tr[data-call-id="${research.pipelineRootId}"]`).click();
    await clicked.waitForURL((url) => url.pathname === tracePath);
    expect(ui.pageErrors(clicked)).toEqual([]);

    const keyed = await ui.openPage(traces);
    const row = keyed.locator(`tr[data-call-id="${research.pipelineRootId}"]`);
    await row.focus();
    await keyed.keyboard.press('Enter');
    await keyed.waitForURL((url) => url.pathname === tracePath);
    expect(ui.pageErrors(keyed)).toEqual([]);
  });

  it('arrow keys move between rows', async () => {
    const { research } = ui.seed;
    const page = await ui.openPage(ui.paths.traces(research));
    const [first, second] = await firstRowIds(page, 2);
    await rows(page).first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === ui.paths.call(research, second as string));
    expect(second).not.toBe(first);
  });

  it('keeps filters, sort and columns in the URL across a reload', async () => {
    const { research } = ui.seed;
    const where = JSON.stringify([`summary.${research.summaryKey}`, 'gte', '0.5']);
    const params = new URLSearchParams([
      ['sort', `summary.${research.summaryKey}`],
      ['op', 'handle_request'],
      ['status', 'success'],
      ['where', where],
      ['col', 'op_name'],
      ['col', 'summary.weave.status'],
      ['col', `summary.${research.summaryKey}`],
    ]);
    const path = `${ui.paths.traces(research)}?${params}`;
    const page = await ui.openPage(path);
    const before = await firstRowIds(page, 20);
    expect(await page.locator('thead th').allTextContents()).toEqual([
      'Op',
      'Status',
      `${research.summaryKey}▲`,
    ]);

    await page.reload();
    const url = new URL(page.url());
    expect(url.searchParams.get('sort')).toBe(`summary.${research.summaryKey}`);
    expect(url.searchParams.getAll('where')).toEqual([where]);
    expect(url.searchParams.getAll('col')).toHaveLength(3);
    await page.getByText('op = handle_request').waitFor();
    await page.getByText('status = success').waitFor();
    await page.getByText(`summary.${research.summaryKey} ≥ 0.5`).waitFor();
    expect(await firstRowIds(page, 20)).toEqual(before);
    expect(await page.locator('thead th').allTextContents()).toEqual([
      'Op',
      'Status',
      `${research.summaryKey}▲`,
    ]);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('scrolling to the end loads the later pages', async () => {
    const { research } = ui.seed;
    const page = await ui.openPage(ui.paths.traces(research));
    const oldestBulk = page.locator(`tr[data-call-id="${research.bulkRootIds[0]}"]`);
    await rows(page).first().waitFor();
    // The oldest of the bulk traces is past the first page (newest first).
    expect(await oldestBulk.count()).toBe(0);

    await rows(page).first().hover();
    const total = await serverCount();
    for (let turn = 0; turn < 60 && (await oldestBulk.count()) === 0; turn++) {
      await page.mouse.wheel(0, 4000);
      await page.waitForTimeout(100);
    }
    await oldestBulk.waitFor();
    await page.getByText(`${total} traces, all loaded`).waitFor();
    expect(total).toBeGreaterThan(300);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('says when no calls match, and clears the filters', async () => {
    const { research } = ui.seed;
    const where = JSON.stringify([`summary.${research.summaryKey}`, 'gt', '5']);
    const page = await ui.openPage(`${ui.paths.traces(research)}?${new URLSearchParams({ where })}`);
    await page.getByRole('heading', { name: 'No traces match' }).waitFor();
    await page.locator('.state').getByRole('button', { name: 'Clear filters' }).click();
    await rows(page).first().waitFor();
    expect(new URL(page.url()).searchParams.has('where')).toBe(false);
  });

  it("shows the server's reason when a filter names a field calls do not have", async () => {
    const { research } = ui.seed;
    const where = JSON.stringify(['summary.weave.nonsense', 'eq', '1']);
    const page = await ui.openPage(`${ui.paths.traces(research)}?${new URLSearchParams({ where })}`);
    await page.getByRole('heading', { name: 'Could not load the traces' }).waitFor();
    expect(await page.locator('.reason').textContent()).toContain('summary.weave.nonsense');
  });

  it('a project without calls shows how to log one', async () => {
    const page = await ui.openPage(ui.paths.traces(ui.seed.objectsOnly));
    await page.getByRole('heading', { name: 'No calls yet' }).waitFor();
    // A snippet to copy, naming this project and this server.
    const snippet = (await page.locator('pre').textContent()) ?? '';
    expect(snippet).toContain('init("ui-tests/objects-only"');
    expect(snippet).toContain(ui.server.url);
  });
});

describe('calls table, live', () => {
  it('a running call finishes and a new trace appears, without a reload', async () => {
    const live = await startLiveProject(ui.server.url, 'live-table');
    const page = await ui.openPage(ui.paths.traces(live));
    await page.locator(`tr[data-call-id="${live.rootId}"]`).waitFor();
    expect(await cellUnder(page, live.rootId, 'Status')).toBe('Running');

    await live.finish();
    const newRootId = await live.addTrace();
    // The table polls every 2 s after a change, backing off while nothing changes.
    await expect.poll(() => cellUnder(page, live.rootId, 'Status'), { timeout: 15_000 }).toBe('Success');
    await page.locator(`tr[data-call-id="${newRootId}"]`).waitFor({ timeout: 15_000 });
    expect(await firstRowIds(page, 2)).toEqual([newRootId, live.rootId]);
    expect(ui.pageErrors(page)).toEqual([]);
  }, 40_000);
});
