/**
 * The app as a whole, in Chromium against the built `weft serve`: the projects page, the links the
 * SDKs print, deep links and reloads, not-found pages, the dark theme, and the first load's size.
 */
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { BrowserGlobals } from './support/browser-globals.js';
import { useUiHarness } from './support/harness.js';

const ui = useUiHarness();

/** The relative luminance of a CSS `rgb()`/`rgba()` colour, 0 (black) to 1 (white). */
function luminance(cssColor: string): number {
  const match = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(cssColor);
  if (!match) throw new Error(`not an rgb() colour: ${cssColor}`);
  const [r, g, b] = match.slice(1, 4).map((channel) => {
    const value = Number(channel) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

async function pageColours(page: Page): Promise<{ background: number; text: number }> {
  const colours = await page.evaluate(() => {
    const win = globalThis as unknown as BrowserGlobals;
    const style = win.getComputedStyle(win.document.body);
    return { background: style.backgroundColor, text: style.color };
  });
  return { background: luminance(colours.background), text: luminance(colours.text) };
}

describe('projects page', () => {
  it('lists every seeded project with its call count, and opens a project', async () => {
    const { research, evals, objectsOnly, callCounts } = ui.seed;
    expect(callCounts[research.projectId]).toBe(research.callCount);
    expect(callCounts[evals.projectId]).toBeGreaterThan(0);
    expect(callCounts[objectsOnly.projectId]).toBe(0);

    const page = await ui.openPage('/');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    for (const seeded of [research, evals, objectsOnly]) {
      const row = page.getByRole('row').filter({ hasText: `${seeded.entity}/${seeded.project}` });
      await row.waitFor();
      const calls = (callCounts[seeded.projectId] ?? Number.NaN).toLocaleString('en-US');
      expect(await row.getByRole('cell').nth(1).textContent(), seeded.projectId).toBe(calls);
    }
    await ui.screenshot(page, 'projects');

    await page.getByRole('link', { name: `${research.entity}/${research.project}` }).click();
    await page.waitForURL((url) => url.pathname === ui.paths.traces(research));
    expect(ui.pageErrors(page)).toEqual([]);
  });
});

describe('links and URLs', () => {
  it("Call.uiUrl from weft's SDK opens that call's trace page", async () => {
    const { research } = ui.seed;
    expect(research.pipelineUiUrl).toBe(
      `${ui.server.url}/${research.projectId}/r/call/${research.pipelineRootId}`,
    );
    const page = await ui.openPage(new URL(research.pipelineUiUrl).pathname);
    await page.waitForURL((url) => url.pathname === ui.paths.call(research, research.pipelineRootId));
    await page.getByText('research_pipeline').first().waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('a deep link survives a reload', async () => {
    const { research } = ui.seed;
    const path = ui.paths.call(research, research.failingCallId);
    const page = await ui.openPage(path);
    await page.getByText('check_facts').first().waitFor();
    await page.reload();
    expect(new URL(page.url()).pathname).toBe(path);
    await page.getByText('check_facts').first().waitFor();
    expect(ui.pageErrors(page)).toEqual([]);
  });

  it('an unknown call id, or one that is not an id at all, says "Not found"', async () => {
    for (const id of ['019a0000-0000-7000-8000-00000000dead', 'not-a-call-id']) {
      const page = await ui.openPage(ui.paths.call(ui.seed.research, id));
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
      expect(ui.pageErrors(page), id).toEqual([]);
    }
  });

  it('an unknown page says not found, inside the app', async () => {
    for (const path of ['/no/such/page/here', `/${ui.seed.research.projectId}/weave/no-such-section`]) {
      const page = await ui.openPage(path);
      await page.getByRole('heading', { name: 'Not found' }).waitFor();
      // The app's frame is still there, with its way back to the projects.
      await page.getByRole('link', { name: 'weft: all projects' }).waitFor();
      expect(ui.pageErrors(page), path).toEqual([]);
    }
  });
});

describe('theme', () => {
  it('follows the system setting: dark text on light, light text on dark', async () => {
    const light = await ui.openPage('/', { colorScheme: 'light' });
    await light.getByRole('heading', { name: 'Projects' }).waitFor();
    const lightColours = await pageColours(light);
    expect(lightColours.background).toBeGreaterThan(0.8);
    expect(lightColours.text).toBeLessThan(0.2);

    const dark = await ui.openPage('/', { colorScheme: 'dark' });
    await dark.getByRole('heading', { name: 'Projects' }).waitFor();
    const darkColours = await pageColours(dark);
    expect(darkColours.background).toBeLessThan(0.05);
    expect(darkColours.text).toBeGreaterThan(0.6);

    // Switching the system setting on an open page switches the theme without a reload.
    await dark.emulateMedia({ colorScheme: 'light' });
    expect(await pageColours(dark)).toEqual(lightColours);
  });
});

describe('first load', () => {
  it('downloads under 400 KB of gzipped JavaScript', async () => {
    const page = await ui.context.newPage();
    try {
      const scripts: Array<Promise<{ url: string; bytes: Buffer }>> = [];
      page.on('response', (response) => {
        if (response.request().resourceType() === 'script') {
          scripts.push(response.body().then((bytes) => ({ url: response.url(), bytes })));
        }
      });
      await page.goto(`${ui.server.url}/`, { waitUntil: 'networkidle' });
      await page.getByRole('heading', { name: 'Projects' }).waitFor();
      const loaded = await Promise.all(scripts);
      expect(loaded.length).toBeGreaterThan(0);
      // What a server compressing its answers would send (weft's server may not compress at all:
      // then the bytes on the wire are more, but the budget is stated in gzipped bytes).
      const gzipped = loaded.reduce((sum, script) => sum + gzipSync(script.bytes).length, 0);
      const raw = loaded.reduce((sum, script) => sum + script.bytes.length, 0);
      const list = loaded
        .map((script) => `${new URL(script.url).pathname} ${script.bytes.length} B`)
        .join('\n');
      expect(raw, list).toBeGreaterThan(gzipped);
      expect(gzipped, `${gzipped} bytes gzipped:\n${list}`).toBeLessThan(400 * 1024);
    } finally {
      await page.close();
    }
  });
});
