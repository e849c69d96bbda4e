/**
 * Feedback in the UI, in Chromium against the built `weft serve` (docs/protocol.md §18): the
 * detail pane's "Feedback" section (reactions grouped with counts, notes, scorer results, custom
 * types), reactions and notes added and removed through it and read back over `/feedback/query`,
 * and the calls table's feedback columns, sorted and filtered by the server. A project of its own
 * is logged over HTTP, with feedback of every kind created over HTTP, so every figure is known.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, resetClient } from 'weft';
import { batchItemBuilders } from '../support/batch-items.js';
import { postJson } from '../support/weft-server.js';
import { useUiHarness } from './support/harness.js';

const ui = useUiHarness({ evaluations: false });

const SCORE_FIELD = 'feedback.[wandb.runnable.judge].payload.output.score';
const CORRECT_FIELD = 'feedback.[wandb.runnable.judge].payload.output.correct';

interface FeedbackProject {
  entity: string;
  project: string;
  projectId: string;
  /** Reactions (👍 by the local user, 🎉 by another user), a note, a score of 0.9, a custom type. */
  reviewedId: string;
  /** Scored 0.2 and 0.5, not correct and correct. */
  lowId: string;
  midId: string;
  /** No feedback at all. */
  plainId: string;
  /** The scorer's own call, which the score row names. */
  scorerCallId: string;
}

let seeded: FeedbackProject;

async function send(path: string, body: unknown): Promise<unknown> {
  const res = await postJson(ui.server.url, path, body);
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

const callRef = (projectId: string, id: string) => `weave:///${projectId}/call/${id}`;

async function seedFeedback(): Promise<FeedbackProject> {
  const entity = 'ui-tests';
  const project = 'feedback';
  const projectId = `${entity}/${project}`;
  const { uniqueId, complete } = batchItemBuilders(projectId);
  const op = (name: string) => `weave:///${projectId}/op/${name}:feedback0digest`;
  const at = (seconds: number) => new Date(Date.parse('2026-02-01T00:00:00Z') + seconds * 1000).toISOString();
  const reviewedId = uniqueId('fb-reviewed');
  const lowId = uniqueId('fb-low');
  const midId = uniqueId('fb-mid');
  const plainId = uniqueId('fb-plain');
  const scorerCallId = uniqueId('fb-judge-call');
  const root = (id: string, seconds: number) =>
    complete(id, { op_name: op('answer'), started_at: at(seconds), ended_at: at(seconds + 1), output: id });
  await send(`/v2/${projectId}/calls/complete`, {
    batch: [
      root(plainId, 0),
      root(lowId, 10),
      root(reviewedId, 20),
      root(midId, 30),
      complete(scorerCallId, {
        op_name: op('judge'),
        parent_id: reviewedId,
        trace_id: `trace-${reviewedId}`,
        started_at: at(21),
        ended_at: at(22),
      }),
    ],
  });
  const create = (id: string, feedbackType: string, payload: Record<string, unknown>, extra = {}) =>
    send('/feedback/create', {
      project_id: projectId,
      weave_ref: callRef(projectId, id),
      feedback_type: feedbackType,
      payload,
      ...extra,
    });
  const score = (id: string, output: unknown) =>
    create(
      id,
      'wandb.runnable.judge',
      { output },
      {
        runnable_ref: op('judge'),
        call_ref: callRef(projectId, scorerCallId),
      },
    );
  await create(reviewedId, 'wandb.reaction.1', { emoji: '👍' });
  await create(reviewedId, 'wandb.reaction.1', { emoji: '🎉' }, { wb_user_id: 'someone-else' });
  await create(reviewedId, 'wandb.note.1', { note: 'The answer cites the right source.' });
  await create(reviewedId, 'my_label', { label: 'good', confidence: 3 });
  await score(reviewedId, { correct: true, score: 0.9 });
  await score(lowId, { correct: false, score: 0.2 });
  await score(midId, { correct: true, score: 0.5 });
  return { entity, project, projectId, reviewedId, lowId, midId, plainId, scorerCallId };
}

beforeAll(async () => {
  seeded = await seedFeedback();
});

interface FeedbackRowJson {
  id: string;
  feedback_type: string;
  payload: Record<string, unknown>;
  wb_user_id: string | null;
}

/** The call's feedback as `/feedback/query` has it: what Weave's `getFeedback` reads. */
async function feedbackOf(callId: string): Promise<FeedbackRowJson[]> {
  const body = (await send('/feedback/query', {
    project_id: seeded.projectId,
    query: {
      $expr: { $eq: [{ $getField: 'weave_ref' }, { $literal: callRef(seeded.projectId, callId) }] },
    },
  })) as { result: FeedbackRowJson[] };
  return body.result;
}

function detail(page: Page): Locator {
  return page.getByRole('region', { name: 'Selected call' });
}

function feedbackSection(page: Page): Locator {
  return detail(page)
    .locator('.detail-section')
    .filter({ has: page.getByRole('heading', { name: 'Feedback', exact: true }) });
}

/** A reaction chip's text and whether it is pressed (the local user's), in order. */
async function reactionChips(section: Locator): Promise<Array<[string, string | null]>> {
  const chips = section.locator('.reaction-chip');
  const texts = await chips.allTextContents();
  const pressed = await chips.evaluateAll((buttons) =>
    buttons.map((button) => button.getAttribute('aria-pressed')),
  );
  return texts.map((text, i) => [text, pressed[i] ?? null]);
}

/** The cell under the column headed `header` in a call's row. */
async function cellUnder(page: Page, rowId: string, header: string): Promise<string> {
  const headers = await page.locator('thead th').allTextContents();
  const index = headers.findIndex((text) => text.replace(/[▲▼]/g, '').trim() === header);
  expect(index, `a column headed ${header} among ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return (await page.locator(`tr[data-call-id="${rowId}"] td`).nth(index).textContent()) ?? '';
}

const rowOrder = (page: Page) =>
  page.locator('tr[data-call-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-call-id')));

describe('the detail pane’s Feedback', () => {
  it('shows reactions grouped with counts, notes with their time, scorer results and custom types', async () => {
    const page = await ui.openPage(ui.paths.call(seeded, seeded.reviewedId));
    const section = feedbackSection(page);
    await section.getByRole('group', { name: 'Reactions' }).waitFor();
    await section.locator('.reaction-chip').first().waitFor();
    // 👍 is the local user's (no wb_user_id), 🎉 someone else's: only the first can be taken back.
    expect(await reactionChips(section)).toEqual([
      ['👍1', 'true'],
      ['🎉1', 'false'],
    ]);

    const notes = section.getByRole('region', { name: 'Notes' });
    const note = notes.getByRole('listitem');
    expect(await note.locator('.feedback-note-text').textContent()).toBe(
      'The answer cites the right source.',
    );
    expect(await note.locator('time').textContent()).toMatch(/\d{4}/);
    await note.getByRole('button', { name: /^Remove the note/ }).waitFor();

    const scores = section.getByRole('region', { name: 'Scores' });
    const judge = scores.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'judge' }) });
    expect(await judge.locator('td.feedback-value').textContent()).toBe('correct: true, score: 0.9');
    // The scorer's name opens its op; its own call is a link away.
    expect(await judge.getByRole('link', { name: 'judge' }).getAttribute('href')).toBe(
      ui.paths.opVersion(seeded, 'judge', 'feedback0digest'),
    );
    expect(await judge.getByRole('link', { name: 'scorer call' }).getAttribute('href')).toBe(
      ui.paths.call(seeded, seeded.scorerCallId),
    );
    // Scorer results are not the user's to remove here.
    expect(await scores.getByRole('button').count()).toBe(0);

    const other = section.getByRole('region', { name: 'Other feedback' });
    await other.getByText('my_label').waitFor();
    expect(await other.textContent()).toContain('good');
    await ui.screenshot(page, 'call-feedback');
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('adds a reaction that /feedback/query and the SDK’s getFeedback then read, shows it in the table, and removes it', async () => {
    expect(await feedbackOf(seeded.plainId)).toEqual([]);
    const page = await ui.openPage(`${ui.paths.traces(seeded)}?op=answer`);
    await page.locator(`tr[data-call-id="${seeded.plainId}"]`).click();
    await page.waitForURL((url) => url.pathname === ui.paths.call(seeded, seeded.plainId));

    const section = feedbackSection(page);
    await section.getByRole('group', { name: 'Reactions' }).waitFor();
    expect(await reactionChips(section)).toEqual([]);
    await section.getByText('+ React').click();
    await section.getByRole('button', { name: 'React with 🚀' }).click();
    await expect.poll(() => reactionChips(section)).toEqual([['🚀1', 'true']]);

    const [added, ...more] = await feedbackOf(seeded.plainId);
    expect(more).toEqual([]);
    expect(added).toMatchObject({
      feedback_type: 'wandb.reaction.1',
      payload: { emoji: '🚀', alias: ':rocket:' },
      wb_user_id: null,
    });
    // weft's SDK reads the reaction the browser added.
    const sdk = init(seeded.projectId, { serverUrl: ui.server.url });
    const rockets = await sdk.getFeedback({ reaction: '🚀' });
    resetClient();
    expect(rockets.map((row) => [row.id, row.weaveRef])).toEqual([
      [added?.id, callRef(seeded.projectId, seeded.plainId)],
    ]);

    // Back in the table, the call's row shows it (its pages were read with feedback, and again now).
    await page.goBack();
    await page.waitForURL((url) => url.pathname === ui.paths.traces(seeded));
    await expect.poll(() => cellUnder(page, seeded.plainId, 'Reactions')).toBe('🚀');

    // Pressing the chip again takes it back.
    await page.goForward();
    await page.waitForURL((url) => url.pathname === ui.paths.call(seeded, seeded.plainId));
    await section.getByRole('button', { name: '🚀 1', pressed: true }).click();
    await expect.poll(() => reactionChips(section)).toEqual([]);
    expect(await feedbackOf(seeded.plainId)).toEqual([]);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('adds a note, which /feedback/query reads, and removes it', async () => {
    const page = await ui.openPage(ui.paths.call(seeded, seeded.lowId));
    const notes = feedbackSection(page).getByRole('region', { name: 'Notes' });
    const box = notes.getByRole('textbox', { name: 'Note' });
    await box.fill('  Scored low: the source is outdated.  ');
    await notes.getByRole('button', { name: 'Add note' }).click();
    await notes.getByText('Scored low: the source is outdated.').waitFor();
    await expect.poll(() => box.inputValue()).toBe('');

    const rows = await feedbackOf(seeded.lowId);
    const note = rows.find((row) => row.feedback_type === 'wandb.note.1');
    expect(note?.payload).toEqual({ note: 'Scored low: the source is outdated.' });
    expect(rows.map((row) => row.feedback_type).sort()).toEqual(['wandb.note.1', 'wandb.runnable.judge']);

    await notes.getByRole('button', { name: /^Remove the note “Scored low/ }).click();
    await expect.poll(() => notes.getByRole('listitem').count()).toBe(0);
    expect((await feedbackOf(seeded.lowId)).map((row) => row.feedback_type)).toEqual([
      'wandb.runnable.judge',
    ]);
    expect(ui.pageErrors(page)).toEqual([]);
  });
});

describe('the calls table’s feedback columns', () => {
  it('shows reactions and a column per scorer key, and sorts by a score on the server', async () => {
    const requests: Array<Record<string, unknown>> = [];
    const page = await ui.context.newPage();
    try {
      page.on('request', (request) => {
        if (request.url().endsWith('/calls/stream_query')) requests.push(request.postDataJSON());
      });
      await page.goto(`${ui.server.url}${ui.paths.traces(seeded)}`);
      await page.locator(`tr[data-call-id="${seeded.reviewedId}"]`).waitFor();

      expect(await cellUnder(page, seeded.reviewedId, 'Reactions')).toBe('👍🎉');
      expect(await cellUnder(page, seeded.reviewedId, 'Notes')).toBe('The answer cites the right source.');
      expect(await cellUnder(page, seeded.reviewedId, 'judge.score')).toBe('0.9');
      expect(await cellUnder(page, seeded.reviewedId, 'judge.correct')).toBe('true');
      expect(await cellUnder(page, seeded.lowId, 'judge.correct')).toBe('false');
      expect(await cellUnder(page, seeded.plainId, 'judge.score')).toBe('—');
      // Newest first by default.
      expect(await rowOrder(page)).toEqual([seeded.midId, seeded.reviewedId, seeded.lowId, seeded.plainId]);
      await ui.screenshot(page, 'calls-table-feedback');

      const header = page.getByRole('button', { name: 'judge.score', exact: true });
      await header.click();
      await page.waitForURL((url) => url.searchParams.get('sort') === `-${SCORE_FIELD}`);
      // Highest score first; the call without one last.
      await expect
        .poll(() => rowOrder(page))
        .toEqual([seeded.reviewedId, seeded.midId, seeded.lowId, seeded.plainId]);
      expect(requests.at(-1)?.sort_by).toEqual([{ field: SCORE_FIELD, direction: 'desc' }]);

      await header.click();
      await page.waitForURL((url) => url.searchParams.get('sort') === SCORE_FIELD);
      await expect
        .poll(() => rowOrder(page))
        .toEqual([seeded.lowId, seeded.midId, seeded.reviewedId, seeded.plainId]);

      // The project has feedback and the default columns show it: every read brings it along.
      expect(requests.length).toBeGreaterThan(0);
      for (const body of requests) expect(body.include_feedback).toBe(true);
      expect(ui.pageErrors(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('filters by a scorer key through the filter builder, which suggests the feedback fields', async () => {
    const page = await ui.openPage(ui.paths.traces(seeded));
    await page.locator(`tr[data-call-id="${seeded.reviewedId}"]`).waitFor();
    await page.getByText('+ Filter').click();
    const suggestions = await page
      .locator('.condition-builder datalist option')
      .evaluateAll((options) => options.map((option) => option.getAttribute('value')));
    expect(suggestions).toEqual(
      expect.arrayContaining([
        'feedback.[wandb.reaction.1].payload.emoji',
        'feedback.[wandb.note.1].payload.note',
        SCORE_FIELD,
        CORRECT_FIELD,
      ]),
    );
    await page.getByLabel('Field path').fill(CORRECT_FIELD);
    await page.getByLabel('Operator').selectOption({ label: '=' });
    await page.getByLabel('Value').fill('true');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.waitForURL((url) => url.searchParams.has('where'));
    await expect.poll(() => rowOrder(page)).toEqual([seeded.midId, seeded.reviewedId]);
    await expect.poll(() => page.locator('.calls-count').textContent()).toBe('2 traces');
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('reads no feedback when the chosen columns show none, or the project has none', async () => {
    const requests: Array<Record<string, unknown>> = [];
    const page = await ui.context.newPage();
    try {
      page.on('request', (request) => {
        if (request.url().endsWith('/calls/stream_query')) requests.push(request.postDataJSON());
      });
      // Sorted by a score with its column hidden: the server sorts, nothing is read for the cells.
      const params = new URLSearchParams([
        ['sort', `-${SCORE_FIELD}`],
        ['col', 'op_name'],
        ['col', 'started_at'],
      ]);
      await page.goto(`${ui.server.url}${ui.paths.traces(seeded)}?${params}`);
      await page.locator(`tr[data-call-id="${seeded.reviewedId}"]`).waitFor();
      expect(await rowOrder(page)).toEqual([seeded.reviewedId, seeded.midId, seeded.lowId, seeded.plainId]);
      // The column picker offers the feedback columns all the same.
      await page.getByText(/^Columns: /).click();
      await page.getByRole('checkbox', { name: 'Reactions' }).waitFor();

      // The research project has no feedback: its default view does not ask for any.
      await page.goto(`${ui.server.url}${ui.paths.traces(ui.seed.research)}`);
      await page.locator('tbody tr.call-row').first().waitFor();
      expect(requests.length).toBeGreaterThan(1);
      for (const body of requests) expect(body).not.toHaveProperty('include_feedback');
      expect(await page.locator('thead th').allTextContents()).not.toContain('Reactions');
    } finally {
      await page.close();
    }
  });
});
