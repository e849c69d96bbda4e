/**
 * Costs in the UI, in Chromium against the built `weft serve`: the calls table's Cost column, the
 * trace view's total and the detail pane's "Usage & cost", and the Prices page. A project of its
 * own is logged over HTTP with usage in the calls' summaries and prices of its own (`/cost/create`),
 * so every figure is known: the server prices the usage (`include_costs`), the UI shows it.
 */
import type { Locator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchItemBuilders } from '../support/batch-items.js';
import { postJson } from '../support/weft-server.js';
import { useUiHarness } from './support/harness.js';

const ui = useUiHarness({ evaluations: false });

const PRICED_MODEL = 'weft-ui-model';
/** No default price has this name, and the project adds none. */
const UNPRICED_MODEL = 'ui-test-unknown-model';

interface CostsProject {
  entity: string;
  project: string;
  projectId: string;
  /** A trace: root and one child that made the requests; the root's usage includes the child's. */
  pricedRootId: string;
  pricedChildId: string;
  /** Usage only of a model without a price. */
  unpricedId: string;
  /** Usage of both models: the priced part is known, the rest is not. */
  partialId: string;
  /** No usage at all. */
  plainId: string;
  /** The price in effect for the calls, and the one it replaced. */
  currentPriceId: string;
  oldPriceId: string;
}

let costs: CostsProject;

async function send(path: string, body: unknown): Promise<unknown> {
  const res = await postJson(ui.server.url, path, body);
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

/**
 * Prices are per token. The calls start on 2026-01-01; the current price took effect a year
 * before, replacing an older one (which must not be used).
 */
async function seedCosts(): Promise<CostsProject> {
  const entity = 'ui-tests';
  const project = 'costs';
  const projectId = `${entity}/${project}`;
  const created = (await send('/cost/create', {
    project_id: projectId,
    costs: {
      [PRICED_MODEL]: {
        prompt_token_cost: 1e-5,
        completion_token_cost: 3e-5,
        effective_date: '2024-01-01T00:00:00Z',
      },
    },
  })) as { ids: Array<[string, string]> };
  const current = (await send('/cost/create', {
    project_id: projectId,
    costs: {
      [PRICED_MODEL]: {
        prompt_token_cost: 2e-6,
        completion_token_cost: 8e-6,
        cache_read_input_token_cost: 5e-7,
        effective_date: '2025-01-01T00:00:00Z',
        provider_id: 'acme',
      },
    },
  })) as { ids: Array<[string, string]> };

  const { uniqueId, complete } = batchItemBuilders(projectId);
  const op = (name: string) => `weave:///${projectId}/op/${name}:costs0digest`;
  const at = (seconds: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + seconds * 1000).toISOString();
  const llmUsage = {
    [PRICED_MODEL]: {
      prompt_tokens: 1000,
      completion_tokens: 200,
      total_tokens: 1200,
      requests: 2,
      // OpenAI's spelling: cached tokens are part of prompt_tokens.
      prompt_tokens_details: { cached_tokens: 600 },
    },
  };
  const pricedRootId = uniqueId('costs-root');
  const pricedChildId = uniqueId('costs-llm');
  const unpricedId = uniqueId('costs-unpriced');
  const partialId = uniqueId('costs-partial');
  const plainId = uniqueId('costs-plain');
  const traceId = uniqueId('costs-trace');
  await send(`/v2/${projectId}/calls/complete`, {
    batch: [
      complete(pricedRootId, {
        trace_id: traceId,
        op_name: op('answer_question'),
        started_at: at(0),
        ended_at: at(10),
        summary: { usage: llmUsage },
      }),
      complete(pricedChildId, {
        trace_id: traceId,
        parent_id: pricedRootId,
        op_name: op('call_llm'),
        started_at: at(1),
        ended_at: at(9),
        summary: { usage: llmUsage },
      }),
      complete(unpricedId, {
        op_name: op('call_unknown_llm'),
        started_at: at(20),
        ended_at: at(21),
        summary: { usage: { [UNPRICED_MODEL]: { input_tokens: 50, output_tokens: 10 } } },
      }),
      complete(partialId, {
        op_name: op('call_both'),
        started_at: at(30),
        ended_at: at(31),
        summary: {
          usage: {
            [PRICED_MODEL]: { prompt_tokens: 100, completion_tokens: 0, total_tokens: 100, requests: 1 },
            [UNPRICED_MODEL]: { input_tokens: 5, output_tokens: 5 },
          },
        },
      }),
      complete(plainId, { op_name: op('no_llm'), started_at: at(40), ended_at: at(41) }),
    ],
  });
  return {
    entity,
    project,
    projectId,
    pricedRootId,
    pricedChildId,
    unpricedId,
    partialId,
    plainId,
    currentPriceId: current.ids[0]![0],
    oldPriceId: created.ids[0]![0],
  };
}

beforeAll(async () => {
  costs = await seedCosts();
});

/** The cell under the column headed `header` in a call's row. */
async function cellUnder(page: Page, rowId: string, header: string): Promise<Locator> {
  const headers = await page.locator('thead th').allTextContents();
  const index = headers.findIndex((text) => text.replace(/[▲▼]/g, '').trim() === header);
  expect(index, `a column headed ${header} among ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return page.locator(`tr[data-call-id="${rowId}"] td`).nth(index);
}

function detail(page: Page): Locator {
  return page.getByRole('region', { name: 'Selected call' });
}

/** A row of a model's usage table, by its kind's label, as the texts of its cells. */
async function usageLine(model: Locator, label: string): Promise<string[]> {
  const line = model
    .getByRole('row')
    .filter({ has: model.page().getByRole('rowheader', { name: label, exact: true }) });
  return (await line.locator('td').allTextContents()).map((text) => text.trim());
}

describe('the Cost column', () => {
  it('shows each call’s cost, unpriced models as unknown rather than $0, and sorts by cost and tokens on the server', async () => {
    const requests: Array<Record<string, unknown>> = [];
    const page = await ui.context.newPage();
    try {
      page.on('request', (request) => {
        if (request.url().endsWith('/calls/stream_query')) requests.push(request.postDataJSON());
      });
      await page.goto(`${ui.server.url}${ui.paths.traces(costs)}?scope=all`);
      await page.locator(`tr[data-call-id="${costs.pricedRootId}"]`).waitFor();

      // 400 uncached prompt tokens at $2/M, 600 cached at $0.50/M, 200 completion at $8/M.
      const rootCost = await cellUnder(page, costs.pricedRootId, 'Cost');
      expect(await rootCost.textContent()).toBe('$0.0027');
      expect(await rootCost.locator('span').getAttribute('title')).toBe(`${PRICED_MODEL}: $0.0027`);
      expect(await (await cellUnder(page, costs.pricedRootId, 'Tokens')).textContent()).toBe('1,200');

      const unpriced = (await cellUnder(page, costs.unpricedId, 'Cost')).locator('span');
      expect(await unpriced.textContent()).toBe('—');
      expect(await unpriced.getAttribute('title')).toBe(`unpriced: model ${UNPRICED_MODEL} has no price`);

      const partial = (await cellUnder(page, costs.partialId, 'Cost')).locator('span');
      expect(await partial.textContent()).toBe('≥ $0.0002');
      expect(await partial.getAttribute('title')).toContain(
        `partly priced: model ${UNPRICED_MODEL} has no price`,
      );

      expect(await (await cellUnder(page, costs.plainId, 'Cost')).textContent()).toBe('—');

      // Both sort on the server, by weft's derived fields; calls with no priced usage come last.
      await page
        .locator('thead th')
        .filter({ hasText: /^Cost$/ })
        .getByRole('button')
        .click();
      await page.waitForURL((url) => url.searchParams.get('sort') === '-summary.weave.total_cost');
      // Highest first: the priced root (and its child, which used the same), then the partly
      // priced call, then the calls with no priced usage.
      const rowOrder = () =>
        page
          .locator('tr[data-call-id]')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-call-id')));
      const ranked = async () => {
        const at = (id: string, ids: Array<string | null>) => ids.indexOf(id);
        const ids = await rowOrder();
        return (
          at(costs.pricedRootId, ids) >= 0 &&
          at(costs.pricedRootId, ids) < at(costs.partialId, ids) &&
          at(costs.partialId, ids) < at(costs.unpricedId, ids) &&
          at(costs.partialId, ids) < at(costs.plainId, ids)
        );
      };
      await expect.poll(ranked).toBe(true);
      expect(requests.at(-1)?.sort_by).toEqual([{ field: 'summary.weave.total_cost', direction: 'desc' }]);
      await page
        .locator('thead th')
        .filter({ hasText: /^Tokens$/ })
        .getByRole('button')
        .click();
      await page.waitForURL((url) => url.searchParams.get('sort') === '-summary.weave.total_tokens');

      expect(requests.length).toBeGreaterThan(0);
      for (const body of requests) expect(body.include_costs).toBe(true);
      expect(ui.pageErrors(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('prices a call from the default price list when the project has none of its own', async () => {
    const { research } = ui.seed;
    // The research project's OpenAI-shaped call used gpt-4o-mini, which the default list prices.
    const page = await ui.openPage(`${ui.paths.traces(research)}?op=openai.chat.completions.create`);
    await page.locator(`tr[data-call-id="${research.openaiChatId}"]`).waitFor();
    expect(await (await cellUnder(page, research.openaiChatId, 'Cost')).textContent()).toMatch(/^\$0\.\d+$/);

    await page.locator(`tr[data-call-id="${research.openaiChatId}"]`).click();
    const model = detail(page).getByRole('region', { name: 'Usage of gpt-4o-mini' });
    await model.waitFor();
    expect(await model.locator('.usage-model-facts').textContent()).toContain('Default price');
    expect(ui.pageErrors(page)).toEqual([]);
  });
});

describe('the trace view', () => {
  it('shows the trace’s total and the root’s usage and cost by kind of token, at the project price', async () => {
    const page = await ui.openPage(ui.paths.call(costs, costs.pricedRootId));
    await page.getByText('Trace total: $0.0027, 1,200 tokens').waitFor();

    const pane = detail(page);
    await pane.getByRole('heading', { name: 'Usage & cost' }).waitFor();
    await pane.getByText('Includes the calls inside this one', { exact: false }).waitFor();
    const model = pane.getByRole('region', { name: `Usage of ${PRICED_MODEL}` });
    await model.waitFor();
    expect(await model.locator('.usage-model-cost').textContent()).toBe('$0.0027');
    const facts = (await model.locator('.usage-model-facts').textContent()) ?? '';
    expect(facts).toContain('2 requests');
    expect(facts).toContain('Project price (acme)');
    expect(facts).toMatch(/effective Jan 1, 2025/);

    expect(await usageLine(model, 'Prompt, not cached')).toEqual(['400', '$2.00', '$0.0008']);
    expect(await usageLine(model, 'Prompt, cache read')).toEqual(['600', '$0.50', '$0.0003']);
    expect(await usageLine(model, 'Completion')).toEqual(['200', '$8.00', '$0.0016']);
    expect(await usageLine(model, 'Total')).toEqual(['1,200', '', '$0.0027']);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('says a model without a price is unpriced, and where to add one', async () => {
    const page = await ui.openPage(ui.paths.call(costs, costs.unpricedId));
    const model = detail(page).getByRole('region', { name: `Usage of ${UNPRICED_MODEL}` });
    await model.waitFor();
    expect(await model.locator('.usage-model-cost').textContent()).toBe('unpriced');
    await model.getByText(`Unpriced: there is no price for ${UNPRICED_MODEL}`, { exact: false }).waitFor();
    expect(await usageLine(model, 'Prompt')).toEqual(['50', '—', '—']);
    expect(await usageLine(model, 'Total')).toEqual(['60', '', 'unpriced']);
    await page.getByText('Trace total: unpriced, 60 tokens').waitFor();

    await model.getByRole('link', { name: 'Add a project price' }).click();
    await page.waitForURL((url) => url.pathname === ui.paths.prices(costs));
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('adds up a call’s models, the priced part as a lower bound', async () => {
    const page = await ui.openPage(ui.paths.call(costs, costs.partialId));
    await detail(page)
      .getByRole('region', { name: `Usage of ${PRICED_MODEL}` })
      .waitFor();
    const total = detail(page).locator('.usage-grand-total');
    expect(await total.textContent()).toBe('Total over 2 models: ≥ $0.0002 (some models have no price)');
    expect(ui.pageErrors(page)).toEqual([]);
  });
});

describe('the Prices page', () => {
  it('lists the project’s prices per million tokens, and which one is in effect', async () => {
    const page = await ui.openPage(ui.paths.prices(costs));
    const nav = page.getByRole('navigation', { name: 'Project sections' });
    expect(await nav.getByRole('link', { name: 'Prices' }).getAttribute('aria-current')).toBe('page');
    await page.getByText('2 prices for 1 model').waitFor();

    const headers = (await page.locator('thead th').allTextContents()).map((text) => text.trim());
    const cells = async (priceId: string) => {
      const texts = await page.locator(`tr[data-price-id="${priceId}"] td`).allTextContents();
      return Object.fromEntries(headers.map((header, i) => [header, texts[i]?.trim()]));
    };
    expect(await cells(costs.currentPriceId)).toMatchObject({
      Model: PRICED_MODEL,
      Status: 'in effect',
      'Prompt / 1M': '$2.00',
      'Completion / 1M': '$8.00',
      'Cache read / 1M': '$0.50',
      'Cache write / 1M': 'as prompt',
      Provider: 'acme',
    });
    expect((await cells(costs.currentPriceId)).Effective).toMatch(/^Jan 1, 2025/);
    expect(await cells(costs.oldPriceId)).toMatchObject({
      Status: 'replaced',
      'Prompt / 1M': '$10.00',
      'Completion / 1M': '$30.00',
      Provider: 'default',
    });
    // Newest first within a model.
    const order = await page
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-price-id')));
    expect(order).toEqual([costs.currentPriceId, costs.oldPriceId]);
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('explains how to add a price when the project has none', async () => {
    const { research } = ui.seed;
    const page = await ui.openPage(ui.paths.prices(research));
    await page.getByRole('heading', { name: 'No prices of this project’s own' }).waitFor();
    await page.getByText('client.addCost({', { exact: false }).waitFor();
    await page.getByText('client.add_cost(', { exact: false }).waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });
});
