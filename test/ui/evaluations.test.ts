/**
 * The evaluation views in Chromium against the built `weft serve`, over two runs of the official
 * npm SDK's (weave@0.11.1) `Evaluation.evaluate` (test/ui/support/seed.ts: the same model over the
 * same three-row Dataset, scored by `exactMatch` and `lengthScore`): the list, one evaluation's
 * summary and per-row scores, and the two side by side.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useUiHarness } from './support/harness.js';

const ui = useUiHarness();

/** The scenario's model answers "Paris" to the France question and "dunno" to the others. */
const FRANCE = 'capital of France?';

function rowsTable(page: Page): Locator {
  return page.getByRole('table', { name: 'Evaluation rows' });
}

function bodyRow(table: Locator, text: string): Locator {
  return table.locator('tbody tr').filter({ hasText: text });
}

describe('the list of evaluations', () => {
  it('lists both runs newest first, with model, dataset and a score per scorer', async () => {
    const { evals } = ui.seed;
    const [older, newer] = evals.evaluationCallIds as [string, string];
    const page = await ui.openPage(ui.paths.evaluations(evals));
    const table = page.getByRole('table', { name: 'Evaluations' });
    const rows = table.locator('tbody tr').filter({ hasText: 'compat-eval' });
    await expect.poll(() => rows.count()).toBe(2);

    const links = await rows
      .getByRole('link', { name: 'compat-eval', exact: true })
      .evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
    expect(links).toEqual([ui.paths.evaluation(evals, newer), ui.paths.evaluation(evals, older)]);

    // The headline of each scorer: exactMatch's fraction, lengthScore's first metric (len's mean).
    // The newer run's model also gets "2+2?" right.
    const [newerText, olderText] = [await rows.nth(0).innerText(), await rows.nth(1).innerText()];
    expect(olderText).toContain('parisModel');
    expect(olderText).not.toContain('parisModelV2');
    expect(olderText).toMatch(/exactMatch\s*33\.3%/);
    expect(olderText).toMatch(/lengthScore\.len\s*5/);
    expect(newerText).toContain('parisModelV2');
    expect(newerText).toMatch(/exactMatch\s*66\.7%/);
    for (const text of [newerText, olderText]) {
      expect(text).toContain('eval-dataset');
      expect(text).toContain('Success');
    }
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('ticking two evaluations opens them side by side', async () => {
    const { evals } = ui.seed;
    const [older, newer] = evals.evaluationCallIds as [string, string];
    const page = await ui.openPage(ui.paths.evaluations(evals));
    const compare = page.getByRole('button', { name: 'Compare' });
    const boxes = page.getByRole('checkbox', { name: /Select compat-eval to compare/ });
    await expect.poll(() => boxes.count()).toBe(2);
    expect(await compare.isDisabled()).toBe(true);
    await boxes.nth(0).check();
    expect(await compare.isDisabled()).toBe(true);
    await boxes.nth(1).check();
    await compare.click();
    await page.waitForURL((url) => url.pathname.endsWith('/compare-evaluations'));
    expect(new URL(page.url()).searchParams.get('calls')).toBe(`${newer},${older}`);
    await page.getByRole('heading', { name: 'Compare evaluations' }).waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a project without evaluations says how to run one', async () => {
    const page = await ui.openPage(ui.paths.evaluations(ui.seed.objectsOnly));
    await page.getByRole('heading', { name: 'No evaluations yet' }).waitFor();
    await page.getByText('new weave.Evaluation(').waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });
});

describe('one evaluation', () => {
  it('shows the summary of each scorer and the model', async () => {
    const { evals } = ui.seed;
    const page = await ui.openPage(ui.paths.evaluation(evals, evals.evaluationCallIds[0] as string));
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.waitFor();
    for (const scorer of evals.scorerNames) await summary.locator(`[data-scorer="${scorer}"]`).waitFor();
    const exact = await summary.locator('[data-scorer="exactMatch"]').innerText();
    expect(exact).toContain('33.3%');
    expect(exact).toContain('1 of 3');
    const length = await summary.locator('[data-scorer="lengthScore"]').innerText();
    expect(length).toMatch(/len\s*5/);
    expect(length).toMatch(/short\s*100%\s*3 of 3/);
    expect(await summary.innerText()).toContain('mean latency');
    // What was evaluated, linked to its objects.
    await page.getByRole('link', { name: 'eval-dataset' }).waitFor();
    await page.getByRole('link', { name: 'parisModel' }).waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it("lists every dataset row with the model's output and each scorer's result", async () => {
    const { evals } = ui.seed;
    const page = await ui.openPage(ui.paths.evaluation(evals, evals.evaluationCallIds[0] as string));
    const table = rowsTable(page);
    for (const question of evals.datasetQuestions) await bodyRow(table, question).waitFor();
    expect(await table.locator('tbody tr[data-index]').count()).toBe(evals.datasetQuestions.length);

    const headers = await table.locator('thead th').allInnerTexts();
    for (const header of [
      'question',
      'expected',
      'Output',
      'exactMatch',
      'lengthScore',
      'len',
      'short',
      'Latency',
    ])
      expect(headers.map((text) => text.trim())).toContain(header);

    const france = await bodyRow(table, FRANCE).innerText();
    expect(france).toContain('Paris');
    expect(france).toContain('✓');
    expect(france).not.toContain('✗');
    for (const question of evals.datasetQuestions.filter((q) => q !== FRANCE)) {
      const text = await bodyRow(table, question).innerText();
      expect(text).toContain('dunno');
      // exactMatch fails; lengthScore.short ("dunno" is under 6 characters) passes.
      expect(text).toContain('✗');
      expect(text).toContain('✓');
    }
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('sorting by a score puts the passing rows first, then last, and lives in the URL', async () => {
    const { evals } = ui.seed;
    const page = await ui.openPage(ui.paths.evaluation(evals, evals.evaluationCallIds[0] as string));
    const table = rowsTable(page);
    await bodyRow(table, FRANCE).waitFor();
    const sortParam = () => new URL(page.url()).searchParams.get('sort');
    const questionsInOrder = async () =>
      (await rowsTable(page).locator('tbody tr[data-index]').allInnerTexts()).map((text) =>
        evals.datasetQuestions.find((question) => text.includes(question)),
      );
    const sortButton = table.getByRole('button', { name: 'exactMatch' });

    // Scores sort best first: true before false, so the France row, the only match, leads.
    await sortButton.click();
    await expect.poll(sortParam).toBe('["exactMatch"]:desc');
    await expect.poll(async () => (await questionsInOrder())[0]).toBe(FRANCE);
    await sortButton.click();
    await expect.poll(sortParam).toBe('["exactMatch"]:asc');
    await expect.poll(async () => (await questionsInOrder()).at(-1)).toBe(FRANCE);

    await page.reload();
    await bodyRow(rowsTable(page), FRANCE).waitFor();
    expect((await questionsInOrder()).at(-1)).toBe(FRANCE);
    expect(await page.locator('th[aria-sort="ascending"]').innerText()).toContain('exactMatch');
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a row opens in full beside the table, kept in the URL, with a link to its trace', async () => {
    const { evals } = ui.seed;
    const page = await ui.openPage(ui.paths.evaluation(evals, evals.evaluationCallIds[0] as string));
    const row = bodyRow(rowsTable(page), FRANCE);
    await row.waitFor();
    await row.getByRole('cell').nth(1).click();
    const detail = page.getByRole('complementary', { name: 'Selected row' });
    await detail.getByText('exactMatch').waitFor();
    const text = await detail.innerText();
    expect(text).toContain(FRANCE);
    expect(text).toContain('Paris');
    expect(text).toContain('lengthScore');
    await expect.poll(() => new URL(page.url()).searchParams.get('row')).not.toBeNull();

    // A reload keeps the row open.
    await page.reload();
    await page.getByRole('complementary', { name: 'Selected row' }).getByText(FRANCE).first().waitFor();

    await page
      .getByRole('complementary', { name: 'Selected row' })
      .getByRole('link', { name: 'Open trace →' })
      .click();
    await page.waitForURL((url) => url.pathname.startsWith(ui.paths.call(evals, '')));
    // The trace of that row: the predict-and-score call with the model's and the scorers' calls.
    await page.getByRole('treeitem').filter({ hasText: 'parisModel' }).first().waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it("a row's number opens its trace directly", async () => {
    const { evals } = ui.seed;
    const page = await ui.openPage(ui.paths.evaluation(evals, evals.evaluationCallIds[0] as string));
    const row = bodyRow(rowsTable(page), FRANCE);
    await row.waitFor();
    await row.getByRole('link').first().click();
    await page.waitForURL((url) => url.pathname.startsWith(ui.paths.call(evals, '')));
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it("an evaluation's trace links to its evaluation page", async () => {
    const { evals } = ui.seed;
    const evaluationId = evals.evaluationCallIds[0] as string;
    const page = await ui.openPage(ui.paths.call(evals, evaluationId));
    await page.getByRole('link', { name: 'Open as evaluation' }).click();
    await page.waitForURL((url) => url.pathname === ui.paths.evaluation(evals, evaluationId));
    await bodyRow(rowsTable(page), FRANCE).waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a call that is not an evaluation says so, with a link to its trace', async () => {
    const { research } = ui.seed;
    const page = await ui.openPage(ui.paths.evaluation(research, research.pipelineRootId));
    await page.getByRole('heading', { name: 'Not an evaluation' }).waitFor();
    expect(await page.getByRole('link', { name: 'Open its trace' }).getAttribute('href')).toBe(
      ui.paths.call(research, research.pipelineRootId),
    );
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('an unknown evaluation says not found', async () => {
    const page = await ui.openPage(ui.paths.evaluation(ui.seed.evals, 'no-such-evaluation'));
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });
});

describe('two evaluations side by side', () => {
  it('shows both summaries with the change, and each row from both runs', async () => {
    const { evals } = ui.seed;
    const [older, newer] = evals.evaluationCallIds as [string, string];
    const page = await ui.openPage(ui.paths.compareEvaluations(evals, [older, newer]));
    const summary = page.getByRole('region', { name: 'Summary side by side' });
    const exact = summary.locator('tr[data-scorer="exactMatch"]');
    await exact.waitFor();
    // The newer model gets one more of the three rows right.
    expect((await exact.getByRole('cell').allInnerTexts()).map((text) => text.trim())).toEqual([
      'exactMatch',
      'score',
      '33.3%',
      '66.7%',
      '+33.3 pts',
    ]);
    for (const scorer of evals.scorerNames)
      await summary.locator(`tr[data-scorer="${scorer}"]`).first().waitFor();
    // The same dataset: no warning about different datasets.
    expect(await page.getByText('different datasets').count()).toBe(0);

    // Rows are matched once both runs are read: every row is in both, and one differs.
    await page.getByText('3 in both · 1 differ').waitFor();
    const table = page.getByRole('table', { name: 'Rows side by side' });
    for (const question of evals.datasetQuestions) await bodyRow(table, question).waitFor();
    const france = bodyRow(table, FRANCE);
    // Both outputs, and a link to each run's trace of the row.
    expect((await france.innerText()).match(/Paris/g)?.length).toBeGreaterThanOrEqual(3);
    await france.getByRole('link', { name: 'A', exact: true }).waitFor();
    await france.getByRole('link', { name: 'B', exact: true }).waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it("a matched row opens in full, both runs' output and scores side by side", async () => {
    const { evals } = ui.seed;
    const page = await ui.openPage(ui.paths.compareEvaluations(evals, evals.evaluationCallIds));
    await page.getByText('3 in both · 1 differ').waitFor();
    const row = bodyRow(page.getByRole('table', { name: 'Rows side by side' }), FRANCE);
    await row.getByRole('cell').nth(1).click();
    const detail = page.getByRole('complementary', { name: 'Selected row' });
    await detail.getByText(FRANCE).first().waitFor();
    expect(await detail.getByRole('link', { name: 'Open trace →' }).count()).toBe(2);
    expect(await detail.getByText('exactMatch').count()).toBe(2);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('"differences only" keeps the rows where the runs disagree', async () => {
    const { evals } = ui.seed;
    const page = await ui.openPage(ui.paths.compareEvaluations(evals, evals.evaluationCallIds));
    const table = page.getByRole('table', { name: 'Rows side by side' });
    await bodyRow(table, FRANCE).waitFor();
    await page.getByRole('button', { name: 'Differences only' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('diff')).toBe('1');
    // Only "2+2?" differs: "dunno" against "4".
    await expect.poll(() => table.locator('tbody tr[data-index]').count()).toBe(1);
    const differing = await table.locator('tbody tr[data-index]').innerText();
    expect(differing).toContain('2+2?');
    expect(differing).toContain('dunno');
    expect(differing).toContain('4');
    expect(await page.getByRole('button', { name: 'Differences only' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a comparison needs two evaluations', async () => {
    const { evals } = ui.seed;
    const page = await ui.openPage(
      ui.paths.compareEvaluations(evals, [evals.evaluationCallIds[0] as string]),
    );
    await page.getByRole('heading', { name: 'Pick two evaluations' }).waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });
});
