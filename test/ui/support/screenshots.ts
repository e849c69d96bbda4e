/**
 * Screenshots of the main views for the README, written to docs/screenshots/<name>.png at the
 * harness's 1440×900 viewport. They are committed, so they are written only when asked for
 * (`npm run screenshots`, which sets WEFT_SCREENSHOTS=1): an ordinary `npm test` would otherwise
 * rewrite them on every run (times and ids differ each time) and leave the work tree dirty.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';

export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../../docs/screenshots');

export type ScreenshotResult = { written: true; path: string } | { written: false; reason: string };

export function screenshotsEnabled(): boolean {
  return process.env.WEFT_SCREENSHOTS === '1';
}

export async function takeScreenshot(page: Page, name: string): Promise<ScreenshotResult> {
  if (!/^[a-z0-9-]+$/.test(name))
    throw new Error(`screenshot names are kebab-case, got ${JSON.stringify(name)}`);
  if (!screenshotsEnabled()) return { written: false, reason: 'WEFT_SCREENSHOTS is not 1' };
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = resolve(SCREENSHOT_DIR, `${name}.png`);
  // Spinners and transitions would make the picture depend on timing; the caret too.
  await page.screenshot({ path, animations: 'disabled', caret: 'hide', fullPage: false });
  return { written: true, path };
}
