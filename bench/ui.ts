/**
 * The web UI in a real browser: Debian's Chromium (playwright-core, as the UI tests drive it)
 * against the built `weft serve` on the query benchmark's dataset (query-dataset.ts), timed with
 * the performance marks the app sets:
 *
 * - `weft:trace-ready`: the trace view rendered its tree; `weft:detail-ready`: the selected call's
 *   detail is shown. A trace of 10,000 calls should open, and answer a click, within 1 s each.
 * - `weft:calls-first-page`: the calls table shows its first page, within 300 ms of navigation
 *   on a 1,000,000-call project; then 10,000 rows scrolled without a frame over 50 ms.
 *
 * Marks are read from the page's own timeline (`performance.getEntriesByName`), whose zero is the
 * navigation's start, so "ms after navigation" is the mark's `startTime`.
 */
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { removeDataDir, startWeftServer } from '../test/support/weft-server.js';
import { CHROMIUM_PATH, launchBrowser } from '../test/ui/support/browser.js';
import type { BrowserGlobals } from '../test/ui/support/browser-globals.js';
import { uiPaths } from '../test/ui/support/ui-paths.js';
import {
  BIG_TRACE_CALLS,
  type DatasetFacts,
  type LoadStats,
  MEASURED_PROJECT,
  prepareDataset,
} from './query-dataset.js';
import { median } from './stats.js';

export const TRACE_OPEN_TARGET_MS = 1000;
export const TRACE_CLICK_TARGET_MS = 1000;
export const CALLS_FIRST_PAGE_TARGET_MS = 300;
export const FRAME_TARGET_MS = 50;
export const SCROLL_ROWS = 10_000;
/** The calls-table targets are stated for a project of this many calls. */
export const UI_TARGET_CALLS = 1_000_000;

/** Where one navigation's time went, from the page's resource timing. */
export interface LoadBreakdown {
  /** The mark, ms after navigation. */
  markMs: number;
  /** The app's HTML had arrived / DOMContentLoaded (its module scripts had run). */
  documentMs: number;
  domContentLoadedMs: number;
  /** When the last script the page loaded before the mark had arrived. */
  scriptsDoneMs: number;
  /** API requests (not /assets/) that ended before the mark: path, start, end, bytes. */
  requests: Array<{ path: string; startMs: number; endMs: number; bytes: number }>;
}

export interface TraceMeasurement {
  url: string;
  /** Navigation → `weft:trace-ready`, one per repetition (warm browser cache, fresh page). */
  openMs: number[];
  /** Click on a tree row → `weft:detail-ready`, one per repetition. */
  clickMs: number[];
  /** Rows of the tree in the DOM when it was ready (virtualised: a screenful, not 10,000). */
  renderedRows?: number;
  /** The repetition with the median open time, broken down. */
  medianOpen?: LoadBreakdown;
  failure?: string;
}

export interface ScrollMeasurement {
  /** Rows scrolled past (the highest row index rendered at the end). */
  rows: number;
  rowHeightPx: number;
  pxPerFrame: number;
  frames: number;
  durationMs: number;
  maxFrameMs: number;
  p99FrameMs: number;
  framesOver50: number;
  /** Long Animation Frames (over 50 ms) the browser reported, and the longest. */
  longAnimationFrames: number;
  longestAnimationFrameMs: number;
  /** Frames spent at the bottom of what was loaded, waiting for the next page. */
  framesWaitingForData: number;
  /** The view ran out of rows before SCROLL_ROWS (nothing new for 10 s at the bottom). */
  reachedEnd: boolean;
  /** What the scripts of the long frames were, by total time, longest first. */
  longFrameScriptMs: Array<{ what: string; ms: number }>;
  /** Time the long frames spent in style, layout and paint after their scripts. */
  longFrameRenderMs: number;
  failure?: string;
}

export interface CallsTableMeasurement {
  url: string;
  /** Navigation → `weft:calls-first-page`, one per repetition. */
  firstPageMs: number[];
  medianFirstPage?: LoadBreakdown;
  /** The same with every call shown (`?scope=all`), once: the page the scrolling starts from. */
  allCallsFirstPageMs?: number;
  scroll?: ScrollMeasurement;
  failure?: string;
}

export interface UiBenchResult {
  facts: DatasetFacts;
  load: LoadStats;
  chromium: string;
  reps: number;
  /** A fresh tab's navigation to a static file of the server, to its last byte (median). */
  baselineNavigationMs: number;
  trace: TraceMeasurement;
  callsTable: CallsTableMeasurement;
}

interface MarkReading {
  markMs: number | undefined;
  breakdown: LoadBreakdown | undefined;
}

/** Waits for `mark` (up to `timeoutMs`) and reads it with the resource timings before it. */
async function readMark(page: Page, mark: string, timeoutMs: number): Promise<MarkReading> {
  try {
    await page.waitForFunction(
      (name) =>
        (globalThis as unknown as BrowserGlobals).performance.getEntriesByName(name, 'mark').length > 0,
      mark,
      { timeout: timeoutMs, polling: 'raf' },
    );
  } catch {
    return { markMs: undefined, breakdown: undefined };
  }
  const reading = await page.evaluate((name) => {
    const { performance } = globalThis as unknown as BrowserGlobals;
    const at = performance.getEntriesByName(name, 'mark')[0]!.startTime;
    const resources = performance.getEntriesByType('resource') as unknown as Array<{
      name: string;
      startTime: number;
      responseEnd: number;
      transferSize: number;
      initiatorType: string;
    }>;
    const before = resources.filter((entry) => entry.responseEnd <= at);
    const scripts = before.filter((entry) => new URL(entry.name).pathname.startsWith('/assets/'));
    const api = before.filter(
      (entry) => !new URL(entry.name).pathname.startsWith('/assets/') && entry.initiatorType === 'fetch',
    );
    const navigation = performance.getEntriesByType('navigation')[0] as unknown as {
      responseEnd: number;
      domContentLoadedEventEnd: number;
    };
    return {
      markMs: at,
      documentMs: navigation.responseEnd,
      domContentLoadedMs: navigation.domContentLoadedEventEnd,
      scriptsDoneMs: Math.max(0, ...scripts.map((entry) => entry.responseEnd)),
      requests: api.map((entry) => ({
        path: new URL(entry.name).pathname,
        startMs: entry.startTime,
        endMs: entry.responseEnd,
        bytes: entry.transferSize,
      })),
    };
  }, mark);
  return { markMs: reading.markMs, breakdown: reading };
}

async function measureTrace(
  newPage: () => Promise<Page>,
  baseUrl: string,
  traceId: string,
  reps: number,
): Promise<TraceMeasurement> {
  const project = projectRef(MEASURED_PROJECT);
  const url = `${baseUrl}${uiPaths.call(project, traceId)}`;
  const result: TraceMeasurement = { url, openMs: [], clickMs: [] };
  const breakdowns: LoadBreakdown[] = [];
  // One untimed round first: the app's files come from the browser's cache afterwards, as for
  // anyone who has opened weft before; every round still reads the trace from the server.
  for (let round = -1; round < reps; round++) {
    const page = await newPage();
    try {
      await page.goto(url, { waitUntil: 'commit' });
      const ready = await readMark(page, 'weft:trace-ready', 60_000);
      if (ready.markMs === undefined) {
        result.failure = 'the trace view never set the mark weft:trace-ready (60 s)';
        return result;
      }
      const rows = page.locator('[role="treeitem"]');
      await rows.first().waitFor();
      if (round < 0) {
        result.renderedRows = await rows.count();
      } else {
        result.openMs.push(ready.markMs);
        if (ready.breakdown) breakdowns.push(ready.breakdown);
      }
      const clickMs = await clickAndTime(page, rows.nth(Math.min(12, (await rows.count()) - 1)));
      if (clickMs === undefined) {
        result.failure = 'a click on a tree row never set the mark weft:detail-ready (30 s)';
        return result;
      }
      if (round >= 0) result.clickMs.push(clickMs);
    } finally {
      await page.close();
    }
  }
  result.medianOpen = medianRound(breakdowns);
  return result;
}

/** Clicks `target` and returns the time from the click event to the next `weft:detail-ready`. */
async function clickAndTime(page: Page, target: ReturnType<Page['locator']>): Promise<number | undefined> {
  // Let the first detail (the trace's root, if the view selects it on open) finish first.
  await readMark(page, 'weft:detail-ready', 5_000);
  await page.evaluate(() => {
    const win = globalThis as unknown as BrowserGlobals & {
      performance: { clearMarks(name: string): void };
      addEventListener(
        type: string,
        listener: (event: { timeStamp: number }) => void,
        capture: boolean,
      ): void;
      __weftClickAt?: number;
    };
    win.performance.clearMarks('weft:detail-ready');
    win.addEventListener(
      'click',
      (event) => {
        win.__weftClickAt = event.timeStamp;
      },
      true,
    );
  });
  await target.click();
  const detail = await readMark(page, 'weft:detail-ready', 30_000);
  if (detail.markMs === undefined) return undefined;
  const clickAt = await page.evaluate(
    () => (globalThis as unknown as { __weftClickAt?: number }).__weftClickAt,
  );
  return clickAt === undefined ? undefined : detail.markMs - clickAt;
}

async function measureCallsTable(
  newPage: () => Promise<Page>,
  baseUrl: string,
  reps: number,
): Promise<CallsTableMeasurement> {
  const url = `${baseUrl}${uiPaths.traces(projectRef(MEASURED_PROJECT))}`;
  const result: CallsTableMeasurement = { url, firstPageMs: [] };
  const breakdowns: LoadBreakdown[] = [];
  let last: Page | undefined;
  for (let round = -1; round < reps; round++) {
    await last?.close();
    const page = await newPage();
    last = page;
    await page.goto(url, { waitUntil: 'commit' });
    const reading = await readMark(page, 'weft:calls-first-page', 60_000);
    if (reading.markMs === undefined) {
      result.failure = 'the calls table never set the mark weft:calls-first-page (60 s)';
      await page.close();
      return result;
    }
    if (round >= 0) {
      result.firstPageMs.push(reading.markMs);
      if (reading.breakdown) breakdowns.push(reading.breakdown);
    }
  }
  result.medianFirstPage = medianRound(breakdowns);
  await last?.close();
  // Scrolling is measured over every call (`scope=all`), not trace roots only: the roots alone
  // may be fewer than SCROLL_ROWS in a smaller dataset.
  const everyCall = await newPage();
  try {
    await everyCall.goto(`${url}?scope=all`, { waitUntil: 'commit' });
    const reading = await readMark(everyCall, 'weft:calls-first-page', 60_000);
    if (reading.markMs === undefined) {
      result.failure = 'the calls table with scope=all never set the mark weft:calls-first-page (60 s)';
      return result;
    }
    result.allCallsFirstPageMs = reading.markMs;
    result.scroll = await measureScroll(everyCall);
  } finally {
    await everyCall.close();
  }
  return result;
}

/** Rows scrolled per frame: 20 rows of 32 px at 60 frames a second is a fast fling (38,000 px/s). */
const ROWS_PER_FRAME = 20;

/**
 * Scrolls the table's scroll container by ROWS_PER_FRAME rows in every animation frame until row
 * SCROLL_ROWS is rendered, and records every frame's length (the time between consecutive
 * requestAnimationFrame callbacks) and the Long Animation Frames the browser reports. Where the
 * loaded rows end, it waits (frames still counted) for the table to fetch more.
 */
async function measureScroll(page: Page): Promise<ScrollMeasurement> {
  await page.locator('[data-index]').first().waitFor();
  // tsx compiles this file with esbuild's keepNames, which wraps the named functions inside the
  // function below in calls to a `__name` helper that exists only on this side.
  await page.evaluate('globalThis.__name ??= (fn) => fn');
  return page.evaluate(
    async ({ rows, rowsPerFrame, frameTarget }) => {
      type LongFrame = {
        startTime: number;
        duration: number;
        renderStart: number;
        scripts?: Array<{ duration: number; invoker: string; sourceURL: string; sourceFunctionName: string }>;
      };
      type El = {
        scrollTop: number;
        scrollHeight: number;
        clientHeight: number;
        getAttribute(name: string): string | null;
        getBoundingClientRect(): { height: number };
        querySelectorAll(selector: string): ArrayLike<El>;
      };
      const win = globalThis as unknown as {
        document: { querySelectorAll(selector: string): ArrayLike<El> };
        getComputedStyle(element: El): { overflowY: string };
        requestAnimationFrame(callback: (time: number) => void): number;
        PerformanceObserver: new (
          callback: (list: { getEntries(): Array<{ duration: number }> }) => void,
        ) => { observe(options: { type: string }): void; disconnect(): void };
      };
      // The scroll container: the scrollable element with the most to scroll (the virtual table's).
      const candidates = Array.from(win.document.querySelectorAll('*')).filter((element) => {
        const overflow = win.getComputedStyle(element).overflowY;
        return (overflow === 'auto' || overflow === 'scroll') && element.scrollHeight > element.clientHeight;
      });
      candidates.sort((a, b) => b.scrollHeight - b.clientHeight - (a.scrollHeight - a.clientHeight));
      const scroller = candidates[0];
      const firstRow = win.document.querySelectorAll('[data-index]')[0];
      if (!scroller || !firstRow) {
        return {
          rows: 0,
          rowHeightPx: 0,
          pxPerFrame: 0,
          frames: 0,
          durationMs: 0,
          maxFrameMs: 0,
          p99FrameMs: 0,
          framesOver50: 0,
          longAnimationFrames: 0,
          longestAnimationFrameMs: 0,
          framesWaitingForData: 0,
          reachedEnd: false,
          longFrameScriptMs: [],
          longFrameRenderMs: 0,
          failure: 'no scrollable table with [data-index] rows found',
        };
      }
      const rowHeight = firstRow.getBoundingClientRect().height;
      const step = rowHeight * rowsPerFrame;
      const highestRow = () => {
        let highest = 0;
        const rendered = scroller.querySelectorAll('[data-index]');
        for (let i = 0; i < rendered.length; i++) {
          highest = Math.max(highest, Number(rendered[i]!.getAttribute('data-index')));
        }
        return highest;
      };
      // Long Animation Frames, and what filled them: scripts (by function and file) or the
      // browser's own style, layout and paint after them.
      const longFrames: number[] = [];
      const blame = new Map<string, number>();
      let renderMs = 0;
      let observer: { disconnect(): void } | undefined;
      try {
        const created = new win.PerformanceObserver((list) => {
          for (const entry of list.getEntries() as unknown as LongFrame[]) {
            longFrames.push(entry.duration);
            const end = entry.startTime + entry.duration;
            renderMs += end - (entry.renderStart || end);
            for (const script of entry.scripts ?? []) {
              const file = (script.sourceURL || '').split('/').pop();
              // A script with no file is this benchmark's own frame callback (evaluated code).
              const key = file
                ? `${script.sourceFunctionName || script.invoker || 'anonymous'} (${file})`
                : "the benchmark's scroll step";
              blame.set(key, (blame.get(key) ?? 0) + script.duration);
            }
          }
        });
        created.observe({ type: 'long-animation-frame' });
        observer = created;
      } catch {
        // An older browser without the Long Animation Frames API: the rAF deltas still count.
      }
      const frames: number[] = [];
      let waiting = 0;
      let reachedEnd = false;
      const started = await new Promise<number>((resolve) => win.requestAnimationFrame(resolve));
      let previous = started;
      let lastProgressAt = started;
      let lastHighest = highestRow();
      const ended = await new Promise<number>((resolve) => {
        const tick = (now: number) => {
          frames.push(now - previous);
          previous = now;
          const highest = highestRow();
          if (highest > lastHighest) {
            lastHighest = highest;
            lastProgressAt = now;
          }
          if (highest >= rows) return resolve(now);
          // At the bottom with nothing new for 10 s: the view holds no more rows.
          if (now - lastProgressAt > 10_000) {
            reachedEnd = true;
            return resolve(lastProgressAt);
          }
          const bottom = scroller.scrollHeight - scroller.clientHeight;
          if (scroller.scrollTop >= bottom - 1) waiting++;
          else scroller.scrollTop = Math.min(bottom, scroller.scrollTop + step);
          win.requestAnimationFrame(tick);
        };
        win.requestAnimationFrame(tick);
      });
      // Long Animation Frame entries are delivered after their frame: give them one more frame.
      await new Promise((resolve) => win.requestAnimationFrame(resolve));
      observer?.disconnect();
      const sorted = [...frames].sort((a, b) => a - b);
      return {
        rows: lastHighest,
        rowHeightPx: rowHeight,
        pxPerFrame: step,
        frames: frames.length,
        durationMs: ended - started,
        maxFrameMs: sorted[sorted.length - 1] ?? 0,
        p99FrameMs: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0,
        framesOver50: frames.filter((frame) => frame > frameTarget).length,
        longAnimationFrames: longFrames.length,
        longestAnimationFrameMs: Math.max(0, ...longFrames),
        framesWaitingForData: waiting,
        reachedEnd,
        longFrameScriptMs: [...blame.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([what, ms]) => ({ what, ms: Math.round(ms) })),
        longFrameRenderMs: Math.round(renderMs),
      };
    },
    { rows: SCROLL_ROWS, rowsPerFrame: ROWS_PER_FRAME, frameTarget: FRAME_TARGET_MS },
  );
}

/** The round in the middle by its mark (the lower of the two middle ones for an even count). */
function medianRound(rounds: readonly LoadBreakdown[]): LoadBreakdown | undefined {
  const sorted = [...rounds].sort((a, b) => a.markMs - b.markMs);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * The floor under every number here: a fresh tab's navigation to a small static file of the same
 * server (its favicon), to the end of its response, median of `reps`.
 */
async function measureBaseline(newPage: () => Promise<Page>, baseUrl: string, reps: number): Promise<number> {
  const times: number[] = [];
  for (let round = -1; round < reps; round++) {
    const page = await newPage();
    try {
      await page.goto(`${baseUrl}/favicon.svg`, { waitUntil: 'load' });
      const end = await page.evaluate(() => {
        const { performance } = globalThis as unknown as BrowserGlobals;
        const navigation = performance.getEntriesByType('navigation')[0] as unknown as {
          responseEnd: number;
        };
        return navigation.responseEnd;
      });
      if (round >= 0) times.push(end);
    } finally {
      await page.close();
    }
  }
  return median(times);
}

function projectRef(projectId: string): { entity: string; project: string } {
  const [entity = '', project = ''] = projectId.split('/');
  return { entity, project };
}

function chromiumVersion(): string {
  try {
    return execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'Chromium (version unknown)';
  }
}

export async function measureUi(options: {
  calls: number;
  reps: number;
  cacheDir?: string;
  /** Only the trace part (the calls table needs the big dataset to mean anything). */
  traceOnly?: boolean;
}): Promise<UiBenchResult> {
  const dataset = await prepareDataset({
    calls: options.calls,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
  if (!dataset.facts.bigTraceId) {
    throw new Error(
      `the UI benchmark needs a trace of ${BIG_TRACE_CALLS} calls: use at least ${2 * BIG_TRACE_CALLS} calls`,
    );
  }
  const server = await startWeftServer({ dataDir: dataset.dataDir });
  const browser = await launchBrowser();
  try {
    const newPage = () => browser.context.newPage();
    const baselineNavigationMs = await measureBaseline(newPage, server.url, options.reps);
    console.log(`  trace of ${BIG_TRACE_CALLS.toLocaleString('en-US')} calls…`);
    const trace = await measureTrace(newPage, server.url, dataset.facts.bigTraceId, options.reps);
    console.dir(trace, { depth: 4 });
    let callsTable: CallsTableMeasurement = {
      url: '',
      firstPageMs: [],
      failure: 'not run (--ui-trace-only)',
    };
    if (!options.traceOnly) {
      console.log(`  calls table of ${dataset.facts.measuredCalls.toLocaleString('en-US')} calls…`);
      callsTable = await measureCallsTable(newPage, server.url, options.reps);
      console.dir(callsTable, { depth: 4 });
    }
    return {
      facts: dataset.facts,
      load: dataset.load,
      chromium: chromiumVersion(),
      reps: options.reps,
      baselineNavigationMs,
      trace,
      callsTable,
    };
  } finally {
    await browser.close();
    await server.stop();
    removeDataDir(dataset.dataDir);
  }
}
