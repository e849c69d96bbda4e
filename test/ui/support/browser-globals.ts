/**
 * The few browser globals that code run inside the page (`page.evaluate`) uses, typed by hand:
 * the tests and benchmarks compile without the DOM library, which would retype Node's globals
 * for every file of the tooling project. Inside `page.evaluate`, write
 * `const win = globalThis as unknown as BrowserGlobals` (the function is sent to the page as
 * text, so it cannot call helpers from this side).
 */
export interface CssStyle {
  backgroundColor: string;
  color: string;
}

export interface BrowserGlobals {
  document: { body: object; querySelector(selector: string): BrowserElement | null };
  getComputedStyle(element: object): CssStyle;
  requestAnimationFrame(callback: (time: number) => void): number;
  performance: {
    now(): number;
    mark(name: string): void;
    getEntriesByName(
      name: string,
      type?: string,
    ): Array<{ name: string; startTime: number; duration: number }>;
    getEntriesByType(type: string): Array<{ name: string; startTime: number; duration: number }>;
  };
  location: { href: string };
}

export interface BrowserElement {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  textContent: string | null;
}
