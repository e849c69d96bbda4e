/**
 * The trace view in Chromium against the built `weft serve`, over data logged with weft's SDK
 * (test/ui/support/seed.ts): the call tree and its failure marks, the waterfall's order, the
 * detail pane (exception, conversations, refs), keyboard navigation, and a call still running.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { BrowserGlobals } from './support/browser-globals.js';
import { useUiHarness } from './support/harness.js';
import { startLiveProject } from './support/live-calls.js';

const ui = useUiHarness({ evaluations: false });

function row(page: Page, callId: string): Locator {
  return page.locator(`[role="treeitem"][data-call-id="${callId}"]`);
}

async function openCall(callId: string): Promise<Page> {
  const page = await ui.openPage(ui.paths.call(ui.seed.research, callId));
  await row(page, callId).waitFor();
  return page;
}

function detail(page: Page): Locator {
  return page.getByRole('region', { name: 'Selected call' });
}

async function marks(page: Page, name: string): Promise<number> {
  return page.evaluate(
    (markName) => (globalThis as unknown as BrowserGlobals).performance.getEntriesByName(markName).length,
    name,
  );
}

describe('the call tree', () => {
  it('opening a call shows its whole trace, that call selected, children in start order', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.pipelineRootId);
    const root = row(page, research.pipelineRootId);
    expect(await root.getAttribute('aria-selected')).toBe('true');
    expect(await root.textContent()).toContain('research_pipeline');

    const children = page.locator('[role="treeitem"][aria-level="2"]');
    await expect.poll(() => children.count()).toBe(research.pipelineChildIds.length);
    const shownIds = await children.evaluateAll((rows) =>
      rows.map((item) => item.getAttribute('data-call-id')),
    );
    expect(shownIds).toEqual(research.pipelineChildIds);
    const shownOps = await children.allTextContents();
    expect(shownOps.map((text, index) => text.includes(research.pipelineChildOps[index]!))).toEqual(
      research.pipelineChildOps.map(() => true),
    );
    // gather's three parallel searches sit one level deeper.
    for (const id of research.parallelChildIds)
      expect(await row(page, id).getAttribute('aria-level')).toBe('3');

    expect(await marks(page, 'weft:trace-ready')).toBe(1);
    await expect.poll(() => marks(page, 'weft:detail-ready')).toBeGreaterThan(0);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a failing grandchild is marked on the failing call and on the root', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.failingCallId);
    const failing = row(page, research.failingCallId);
    expect(await failing.getAttribute('data-status')).toBe('error');
    await failing.getByText('Error', { exact: true }).waitFor();

    const root = row(page, research.pipelineRootId);
    expect(await root.getAttribute('data-status')).toBe('descendant_error');
    await root.getByText(/failed inside/).waitFor();
    // A sibling branch that did not fail carries no mark.
    const gather = row(page, research.pipelineChildIds[research.pipelineChildOps.indexOf('gather')]!);
    expect(await gather.textContent()).not.toMatch(/failed|Error/);

    // The detail shows the exception as text, stack and all.
    await detail(page).getByText(research.failingMessage).first().waitFor();
    // trace-view.png (the root selected) is screenshots.test.ts's; this one shows a failure's detail.
    await ui.screenshot(page, 'trace-failure');
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('the timeline draws the root’s children left to right in the order they started', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.pipelineRootId);
    const lefts: number[] = [];
    for (const id of research.pipelineChildIds) {
      const box = await row(page, id).locator('.trace-bar').boundingBox();
      expect(box, `a bar for ${id}`).not.toBeNull();
      lefts.push(box!.x);
    }
    expect(lefts).toEqual([...lefts].sort((a, b) => a - b));
    expect(lefts[0]).toBeLessThan(lefts.at(-1)!);
    const rootBar = await row(page, research.pipelineRootId).locator('.trace-bar').boundingBox();
    const lastChildBar = await row(page, research.pipelineChildIds.at(-1)!)
      .locator('.trace-bar')
      .boundingBox();
    // The root spans its children: it starts no later and ends no earlier. A bar is at least 2 px
    // wide so that it can be seen, so a very short last child may reach past the root by that.
    expect(rootBar!.x).toBeLessThanOrEqual(lefts[0]!);
    expect(rootBar!.x + rootBar!.width).toBeGreaterThanOrEqual(lastChildBar!.x + lastChildBar!.width - 2);
  });

  it('arrow keys move the selection and fold the tree; Enter moves to the detail', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.pipelineRootId);
    const tree = page.getByRole('tree');
    await tree.focus();

    await page.keyboard.press('ArrowDown');
    const first = research.pipelineChildIds[0]!;
    await page.waitForURL((url) => url.pathname === ui.paths.call(research, first));
    await expect.poll(() => row(page, first).getAttribute('aria-selected')).toBe('true');
    await detail(page).getByRole('heading', { name: research.pipelineChildOps[0]! }).waitFor();

    await page.keyboard.press('ArrowUp');
    await page.waitForURL((url) => url.pathname === ui.paths.call(research, research.pipelineRootId));
    // The URL changes before the tree re-renders with the new selection; a key pressed in
    // between would act on the previous row.
    await expect.poll(() => row(page, research.pipelineRootId).getAttribute('aria-selected')).toBe('true');

    // Left folds the open root, leaving one row; Right opens it again.
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByRole('treeitem').count()).toBe(1);
    expect(await row(page, research.pipelineRootId).getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => page.getByRole('treeitem').count())
      .toBeGreaterThan(research.pipelineChildIds.length);

    await page.keyboard.press('Enter');
    await page.locator('[aria-label="Selected call"]:focus').waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('clicking a row selects that call and puts it in the URL, without a new history entry', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.pipelineRootId);
    const target = research.failingCallId;
    await row(page, target).click();
    await page.waitForURL((url) => url.pathname === ui.paths.call(research, target));
    await detail(page).getByText(research.failingMessage).first().waitFor();
    // The URL was replaced: going back leaves the trace view rather than reselecting the root.
    await page.goBack();
    expect(page.url()).toBe('about:blank');
  });

  it('a call still running says so, in the tree and in the detail', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.runningCallId);
    const running = row(page, research.runningCallId);
    expect(await running.getAttribute('data-status')).toBe('running');
    expect(await running.textContent()).toContain('running');
    await detail(page).getByText('Running', { exact: true }).first().waitFor();
    await detail(page).getByText('The call is still running.').waitFor();
  });
});

describe('the detail pane', () => {
  it('shows an OpenAI chat call as a conversation with its tool call, and raw JSON on toggle', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.openaiChatId);
    const pane = detail(page);
    await pane.getByText(research.openaiUserMessage).waitFor();
    await pane.getByText('You are a concise weather assistant', { exact: false }).waitFor();
    await pane.getByText(research.openaiToolName).first().waitFor();
    await pane.getByText('stopped: tool_calls').waitFor();
    // The tools the request offered, folded, with their descriptions inside.
    await pane.getByText(`1 tool offered: ${research.openaiToolName}`).click();
    await pane.getByText('The current weather in a city').waitFor();
    // Usage and cost per model, from the summary the SDK rolled up (costs.test.ts checks the figures).
    await pane.getByRole('region', { name: 'Usage of gpt-4o-mini' }).waitFor();
    await expect.poll(() => marks(page, 'weft:detail-ready')).toBeGreaterThan(0);
    await ui.screenshot(page, 'chat-detail');

    const inputs = pane
      .locator('.detail-section')
      .filter({ has: page.getByRole('heading', { name: 'Inputs' }) });
    await inputs.getByRole('button', { name: 'JSON' }).click();
    await inputs.getByText('"messages"').waitFor();
    expect(await inputs.locator('.chat').count()).toBe(0);
    await inputs.getByRole('button', { name: 'Conversation' }).click();
    await inputs.locator('.chat').waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('shows an Anthropic call’s system prompt, content blocks and tool_use', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.anthropicChatId);
    const pane = detail(page);
    await pane.getByText(research.anthropicUserMessage).waitFor();
    await pane.getByText('You answer questions about French cities.').first().waitFor();
    await pane.getByText(research.anthropicToolName).first().waitFor();
    await pane.getByText('stopped: tool_use').waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a ref in the inputs opens the object’s page', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.callWithRefId);
    const match = /^weave:\/\/\/[^/]+\/[^/]+\/object\/([^:]+):(.+)$/.exec(research.objectRef);
    expect(match, research.objectRef).not.toBeNull();
    const [, name, digest] = match!;
    await detail(page).getByRole('link', { name: research.objectRef }).first().click();
    await page.waitForURL(
      (url) => url.pathname === ui.paths.objectVersion(research, decodeURIComponent(name!), digest!),
    );
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('markup logged as input shows as text and runs nothing', async () => {
    const { research } = ui.seed;
    const page = await openCall(research.hostileCallId);
    await detail(page).getByText('<script>', { exact: false }).first().waitFor();
    const ran = await page.evaluate(() => '__weftXss' in (globalThis as object));
    expect(ran).toBe(false);
  });
});

describe('a trace still running', () => {
  it('updates without a reload: the root ends and a child that started later appears', async () => {
    const live = await startLiveProject(ui.server.url, 'live-trace');
    const page = await ui.openPage(ui.paths.call(live, live.rootId));
    await row(page, live.firstChildId).waitFor();
    expect(await row(page, live.rootId).getAttribute('data-status')).toBe('running');

    await live.finish();
    // The view polls while a call runs (first after a second, backing off while nothing changes).
    await expect
      .poll(() => row(page, live.rootId).getAttribute('data-status'), { timeout: 15_000 })
      .toBe('success');
    await row(page, live.laterChildId).waitFor({ timeout: 15_000 });
    expect(ui.pageErrors(page)).toEqual([]);
  }, 40_000);
});
