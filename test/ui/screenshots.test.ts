/**
 * Each main view, opened on the seeded data and waited for until it shows what it is about, then
 * photographed for the README (docs/screenshots/, written under `npm run screenshots` only). The
 * views' own test files check their behaviour in depth; this file makes sure every picture shows a
 * page that has finished loading the right data.
 */
import { parseRef } from '@weft/protocol';
import { describe, expect, it } from 'vitest';
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
});
