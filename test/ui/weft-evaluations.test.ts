/**
 * Evaluations made with weft's own SDK (`new Evaluation(...).evaluate(model)`) in the evaluation
 * pages, as the official SDKs' are: the list with a score per scorer, one run's summary and rows,
 * and two runs of the same dataset side by side with the change per scorer.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Dataset, Evaluation, init, op, resetClient, Scorer, type ScorerArgs } from 'weft';
import { useUiHarness } from './support/harness.js';

const ui = useUiHarness({ evaluations: false });
const PROJECT = { entity: 'ui-tests', project: 'weft-evals' };

const ROWS = [
  { question: 'capital of France?', expected: 'Paris' },
  { question: 'capital of Italy?', expected: 'Rome' },
  { question: 'capital of Spain?', expected: 'Madrid' },
  { question: 'capital of Peru?', expected: 'Lima' },
];

const exactMatch = op(function exactMatch(output: string, expected: string) {
  return output === expected;
});

class Brevity extends Scorer {
  score({ output }: ScorerArgs) {
    return { chars: String(output).length, short: String(output).length <= 5 };
  }
}

/** Knows France; the second version also knows Italy. */
const capitalV1 = op(function capitalV1({ question }: { question: string }) {
  return question.includes('France') ? 'Paris' : 'unknown';
});
const capitalV2 = op(function capitalV2({ question }: { question: string }) {
  return question.includes('France') ? 'Paris' : question.includes('Italy') ? 'Rome' : 'unknown';
});

const runs: { first: string; second: string } = { first: '', second: '' };

beforeAll(async () => {
  const client = init(`${PROJECT.entity}/${PROJECT.project}`, { serverUrl: ui.server.url });
  const dataset = new Dataset({ name: 'capitals', rows: ROWS });
  const evaluation = new Evaluation({
    name: 'capitals-eval',
    dataset,
    scorers: [exactMatch, new Brevity({ name: 'brevity' })],
  });
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  await evaluation.evaluate(capitalV1);
  await evaluation.evaluate(capitalV2);
  log.mockRestore();
  await client.flush();
  const roots = await client
    .getCalls({
      filter: { op_names: [`weave:///${PROJECT.entity}/${PROJECT.project}/op/Evaluation.evaluate:*`] },
    })
    .toArray();
  runs.first = roots[0]?.id ?? '';
  runs.second = roots[1]?.id ?? '';
  resetClient();
}, 60_000);

describe("weft's evaluations in the evaluation pages", () => {
  it('lists both runs with their model and a score per scorer', async () => {
    const page = await ui.openPage(ui.paths.evaluations(PROJECT));
    const rows = page
      .getByRole('table', { name: 'Evaluations' })
      .locator('tbody tr')
      .filter({ hasText: 'capitals-eval' });
    await expect.poll(() => rows.count()).toBe(2);
    const [newer, older] = [await rows.nth(0).innerText(), await rows.nth(1).innerText()];
    expect(newer).toContain('capitalV2');
    // One of four right, then two of four.
    expect(older).toMatch(/exactMatch\s*25(\.0)?%/);
    expect(newer).toMatch(/exactMatch\s*50(\.0)?%/);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it("shows one run's summary and every row with its scores", async () => {
    const page = await ui.openPage(ui.paths.evaluation(PROJECT, runs.second));
    const summary = page.getByRole('region', { name: 'Summary' });
    await summary.locator('[data-scorer="exactMatch"]').waitFor();
    expect(await summary.locator('[data-scorer="exactMatch"]').innerText()).toContain('2 of 4');
    // Paris, Rome, unknown, unknown: 5.75 characters on average, two of four at most five.
    const brevity = await summary.locator('[data-scorer="brevity"]').innerText();
    expect(brevity).toMatch(/chars\s*5\.75/);
    expect(brevity).toMatch(/short\s*50%\s*2 of 4/);
    const table = page.getByRole('table', { name: 'Evaluation rows' });
    for (const row of ROWS) await table.locator('tbody tr').filter({ hasText: row.question }).waitFor();
    const italy = await table.locator('tbody tr').filter({ hasText: 'capital of Italy?' }).innerText();
    expect(italy).toContain('Rome');
    expect(italy).toContain('✓');
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('compares the two runs, with the change per scorer', async () => {
    const page = await ui.openPage(ui.paths.compareEvaluations(PROJECT, [runs.second, runs.first]));
    await page.getByRole('heading', { name: 'Compare evaluations' }).waitFor();
    await page.locator('.eval-delta').first().waitFor();
    // exactMatch moved by 25 points between the runs: a change in one direction or the other.
    const changed = page.locator('.eval-delta-better, .eval-delta-worse');
    await expect.poll(() => changed.count()).toBeGreaterThan(0);
    expect(await changed.first().innerText()).toMatch(/25/);
    expect(ui.pageErrors(page)).toEqual([]);
  });
});
