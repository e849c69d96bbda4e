/**
 * Debian's Chromium driven by playwright-core: the browser the UI tests and the UI benchmark use.
 * playwright-core never downloads a browser; it drives the system's /usr/bin/chromium, which
 * .ci/run installs when it is missing. Each launch gets a fresh user-data directory, removed on
 * close, so no test sees another's cache, storage or settings.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless, no sandbox (tests run as root in CI), and nothing that talks to the network on its own. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Every page and screenshot is this size. */
export const VIEWPORT = { width: 1440, height: 900 } as const;

export interface BrowserSession {
  context: BrowserContext;
  userDataDir: string;
  /** Closes the browser and removes its user-data directory. */
  close(): Promise<void>;
}

/** Fails with what to do about it when Chromium is not installed: never a silent skip. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The web UI's browser tests and benchmark need ` +
        "Debian's chromium package: run `apt-get update && apt-get install -y chromium` as root " +
        '(.ci/run does this when it is missing).',
    );
  }
}

export async function launchBrowser(): Promise<BrowserSession> {
  requireChromium();
  const userDataDir = mkdtempSync(join(tmpdir(), 'weft-ui-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      viewport: VIEWPORT,
      // Fixed, so that what the tests read (times, numbers) and the screenshots do not depend on
      // the machine's settings.
      locale: 'en-US',
      timezoneId: 'UTC',
      colorScheme: 'light',
    });
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  // Under vitest's 20 s test timeout, so that a wait that fails names what it waited for.
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  let closed = false;
  return {
    context,
    userDataDir,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}
