/**
 * What a UI test file starts with: `const ui = useUiHarness()` at the top of the file registers
 * hooks that start the built `weft serve` on 127.0.0.1 with a temporary data folder, seed it once
 * (seed.ts), and launch Chromium with a fresh profile; everything is closed after the file.
 *
 *   const ui = useUiHarness();
 *   it('shows the op', async () => {
 *     const page = await ui.openPage(ui.paths.call(ui.seed.research, ui.seed.research.pipelineRootId));
 *     await page.getByRole('treeitem', { name: /research_pipeline/ }).waitFor();
 *     await ui.screenshot(page, 'trace-view');
 *   });
 *
 * playwright-core has no auto-retrying `expect`: wait with `locator.waitFor()` (visible by
 * default) or vitest's `expect.poll(() => locator.textContent())`, then assert.
 * Pages opened with `openPage` are closed after each test.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { resetClient } from 'weft';
import { removeDataDir, startWeftServer, type WeftServerProcess } from '../../support/weft-server.js';
import { type BrowserSession, launchBrowser } from './browser.js';
import { type ScreenshotResult, takeScreenshot } from './screenshots.js';
import { type SeededData, seedUiData } from './seed.js';
import { uiPaths } from './ui-paths.js';

export interface OpenPageOptions {
  /** Emulate the system's colour scheme (default light). */
  colorScheme?: 'light' | 'dark';
  /** What `goto` waits for (default `load`). */
  waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit';
}

export interface UiHarness {
  /** The running server; `url` has no trailing slash. */
  readonly server: WeftServerProcess;
  readonly seed: SeededData;
  readonly context: BrowserContext;
  /** URL builders for the app's pages (the same shapes as packages/ui/src/routes.ts). */
  readonly paths: typeof uiPaths;
  /** Opens `path` (starting with `/`) on the server in a new tab; closed after the test. */
  openPage(path: string, options?: OpenPageOptions): Promise<Page>;
  /** Uncaught exceptions the page has thrown so far (the `pageerror` event). */
  pageErrors(page: Page): readonly Error[];
  /** Writes `docs/screenshots/<name>.png` when `WEFT_SCREENSHOTS=1`; see screenshots.ts. */
  screenshot(page: Page, name: string): Promise<ScreenshotResult>;
}

export interface UiHarnessOptions {
  /** Run the official SDK's evaluations while seeding (default true; they take a few seconds). */
  evaluations?: boolean;
}

const SETUP_TIMEOUT_MS = 180_000;

export function useUiHarness(options: UiHarnessOptions = {}): UiHarness {
  let server: WeftServerProcess | undefined;
  let seed: SeededData | undefined;
  let browser: BrowserSession | undefined;
  const open = new Set<Page>();
  const errors = new WeakMap<Page, Error[]>();

  beforeAll(async () => {
    // The browser first: if Chromium is missing, say so before spending time on anything else.
    const launching = launchBrowser();
    server = await startWeftServer();
    [browser, seed] = await Promise.all([launching, seedUiData(server.url, options)]);
  }, SETUP_TIMEOUT_MS);

  afterEach(async () => {
    const pages = [...open];
    open.clear();
    await Promise.all(pages.map((page) => page.close()));
  });

  afterAll(async () => {
    resetClient();
    await browser?.close();
    if (server) {
      await server.stop();
      removeDataDir(server.dataDir);
    }
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the UI harness has no ${what}: its beforeAll did not finish`);
    return value;
  };

  return {
    get server() {
      return ready(server, 'server');
    },
    get seed() {
      return ready(seed, 'seeded data');
    },
    get context() {
      return ready(browser, 'browser').context;
    },
    paths: uiPaths,
    async openPage(path, pageOptions = {}) {
      if (!path.startsWith('/')) throw new Error(`openPage takes a path starting with /, got ${path}`);
      const page = await ready(browser, 'browser').context.newPage();
      open.add(page);
      const thrown: Error[] = [];
      errors.set(page, thrown);
      page.on('pageerror', (error) => thrown.push(error));
      await page.emulateMedia({ colorScheme: pageOptions.colorScheme ?? 'light' });
      await page.goto(`${ready(server, 'server').url}${path}`, {
        waitUntil: pageOptions.waitUntil ?? 'load',
      });
      return page;
    },
    pageErrors(page) {
      return errors.get(page) ?? [];
    },
    screenshot: takeScreenshot,
  };
}
