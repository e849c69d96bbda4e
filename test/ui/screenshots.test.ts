/**
 * Each main view, opened on the seeded data and waited for until it shows what it is about, then
 * photographed for the README (docs/screenshots/, written under `npm run screenshots` only). The
 * views' own test files check their behaviour in depth; this file makes sure every picture shows a
 * page that has finished loading the right data.
 */
import { parseRef } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
import { namedIds, traceIdOf } from '../support/batch-items.js';
import { postJson } from '../support/weft-server.js';
import { useUiHarness } from './support/harness.js';

const ui = useUiHarness();

function nameAndDigest(uri: string): { name: string; digest: string } {
  const ref = parseRef(uri);
  if (ref.kind !== 'op' && ref.kind !== 'object') throw new Error(`not an object ref: ${uri}`);
  return { name: ref.name, digest: ref.digest };
}

describe('screenshots of the main views', () => {
  // calls-table.png is written by calls-table.test.ts, projects.png by app.test.ts: one writer each.

  it('trace view, light and dark', async () => {
    const { research } = ui.seed;
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await ui.openPage(ui.paths.call(research, research.pipelineRootId), { colorScheme });
      await page.getByRole('treeitem').filter({ hasText: 'check_facts' }).waitFor();
      await page.getByRole('treeitem').filter({ hasText: 'search_source' }).first().waitFor();
      await ui.screenshot(page, colorScheme === 'light' ? 'trace-view' : 'trace-view-dark');
      expect(ui.pageErrors(page)).toEqual([]);
    }
  });

  it('detail pane with a chat conversation', async () => {
    const { research } = ui.seed;
    const page = await ui.openPage(ui.paths.call(research, research.openaiChatId));
    const detail = page.getByRole('region', { name: 'Selected call' });
    await detail.getByText(research.openaiUserMessage).first().waitFor();
    await detail.getByText(research.openaiToolName).first().waitFor();
    await ui.screenshot(page, 'trace-chat');
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it("an op's code, and two versions diffed", async () => {
    const { research } = ui.seed;
    const [older, newer] = research.summarizeRefs.map(nameAndDigest) as [
      { name: string; digest: string },
      { name: string; digest: string },
    ];
    const code = await ui.openPage(ui.paths.opVersion(research, newer.name, newer.digest));
    await code.getByText('words.slice(0, 8)').first().waitFor();
    await ui.screenshot(code, 'op-code');
    expect(ui.pageErrors(code)).toEqual([]);

    const diff = await ui.openPage(
      `${ui.paths.opVersion(research, newer.name, newer.digest)}?diff=${encodeURIComponent(older.digest)}`,
    );
    await diff.getByText('text.slice(0, 40)').first().waitFor();
    await diff.getByText('words.slice(0, 8)').first().waitFor();
    await ui.screenshot(diff, 'op-diff');
    expect(ui.pageErrors(diff)).toEqual([]);
  });

  it("a dataset's rows", async () => {
    const { research } = ui.seed;
    const { name, digest } = nameAndDigest(research.datasetRef);
    const page = await ui.openPage(ui.paths.objectVersion(research, name, digest));
    for (const row of research.datasetRows) await page.getByText(row.question).first().waitFor();
    await ui.screenshot(page, 'dataset-rows');
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('an evaluation, and two compared', async () => {
    const { evals } = ui.seed;
    const [first, second] = evals.evaluationCallIds as [string, string];
    const page = await ui.openPage(ui.paths.evaluation(evals, second));
    for (const question of evals.datasetQuestions) await page.getByText(question).first().waitFor();
    await page.getByText('exactMatch').first().waitFor();
    await ui.screenshot(page, 'evaluation');
    expect(ui.pageErrors(page)).toEqual([]);

    const compare = await ui.openPage(ui.paths.compareEvaluations(evals, [first, second]));
    await compare.getByText('exactMatch').first().waitFor();
    await ui.screenshot(compare, 'evaluation-compare');
    expect(ui.pageErrors(compare)).toEqual([]);
  });

  it('a project with no calls', async () => {
    const { objectsOnly } = ui.seed;
    const page = await ui.openPage(ui.paths.traces(objectsOnly));
    await page.getByRole('heading', { name: 'No calls yet' }).waitFor();
    await ui.screenshot(page, 'empty-project');
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a trace of 10,000 calls, with names far too long for their columns', async () => {
    const project = { entity: 'ui-tests', project: 'big-trace' };
    const { rootId, longName } = await logBigTrace(ui.server.url, `${project.entity}/${project.project}`);

    const table = await ui.openPage(ui.paths.traces(project));
    await table
      .getByRole('row')
      .filter({ hasText: longName.slice(0, 40) })
      .first()
      .waitFor();
    await ui.screenshot(table, 'long-names');
    expect(ui.pageErrors(table)).toEqual([]);

    const trace = await ui.openPage(ui.paths.call(project, rootId));
    await trace.getByText('10,000 calls').first().waitFor();
    await trace.getByRole('treeitem').filter({ hasText: 'worker_0' }).first().waitFor();
    await ui.screenshot(trace, 'trace-10k');
    expect(ui.pageErrors(trace)).toEqual([]);
  });
});

/**
 * One trace of 10,000 calls (a root, 99 workers of 100 steps each), logged through the
 * trace-server API in batches; the root has a display name far longer than any column.
 */
async function logBigTrace(
  serverUrl: string,
  projectId: string,
): Promise<{ rootId: string; longName: string }> {
  const t0 = Date.parse('2026-03-01T09:00:00.000Z');
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const { id: idOf } = namedIds();
  const traceId = traceIdOf(idOf('big-trace'));
  const rootId = idOf('big-root');
  const longName =
    `summarise every quarterly report of every subsidiary ${'and its appendices '.repeat(8)}`.trim();
  const op = (name: string) => `weave:///${projectId}/op/${name}:v1digest`;
  const items: unknown[] = [];
  // Calls by readable name (shown as each call's input); their ids are UUIDs, as the server requires.
  const call = (
    name: string,
    parent: string | null,
    opName: string,
    start: number,
    end: number,
    extra = {},
  ) =>
    items.push({
      project_id: projectId,
      id: idOf(name),
      trace_id: traceId,
      parent_id: parent === null ? null : idOf(parent),
      op_name: op(opName),
      started_at: at(start),
      ended_at: at(end),
      attributes: {},
      inputs: { step: name },
      output: 'ok',
      summary: {},
      ...extra,
    });
  call('big-root', null, 'a_pipeline_op_whose_name_goes_on_and_on_past_every_column_width', 0, 120_000, {
    display_name: longName,
  });
  for (let worker = 0; worker < 99; worker += 1) {
    const workerName = `worker-${worker}`;
    const workerStart = worker * 1_000;
    call(workerName, 'big-root', `worker_${worker}`, workerStart, workerStart + 20_000);
    for (let step = 0; step < 100; step += 1) {
      const start = workerStart + step * 200;
      call(`${workerName}-step-${step}`, workerName, 'step', start, start + 150);
    }
  }
  for (let offset = 0; offset < items.length; offset += 2_000) {
    const res = await postJson(serverUrl, `/v2/${projectId}/calls/complete`, {
      batch: items.slice(offset, offset + 2_000),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body, 'no call dropped').toEqual({});
  }
  expect(items.length).toBe(10_000);
  return { rootId, longName };
}
