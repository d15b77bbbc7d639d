import type { Browser } from 'playwright-core';

/**
 * How long a cold load of a page takes until its sign-in form is usable: from navigation start
 * (the document's `performance.timeOrigin`) to the first moment the `#rootKey` input is in the
 * page, rendered, enabled and not read-only. A script injected before any of the page's own
 * (through DevTools, so the page's CSP is untouched) watches the DOM and records that moment in
 * the page's own clock, so the figure holds no test-harness round trip. Each load gets a fresh
 * browser context: nothing cached, no cookie, as a first visit.
 */
const WATCH = `(() => {
  const check = () => {
    const el = document.getElementById('rootKey');
    if (window.__kwUsableAtMs === undefined && el && !el.disabled && !el.readOnly && el.getClientRects().length > 0) window.__kwUsableAtMs = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true });
})();`;

export async function firstInteractiveMs(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    // As text, not a function: tsx (the bench runner) wraps functions with a name-keeping helper
    // that does not exist inside the page.
    await page.addInitScript({ content: WATCH });
    await page.goto(url, { waitUntil: 'commit' });
    // Polled with plain evaluate calls (DevTools, outside the page's CSP), every 20 ms; the figure itself is taken in the page.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const at = await page.evaluate(() => (window as unknown as { __kwUsableAtMs?: number }).__kwUsableAtMs);
      if (at !== undefined) return at;
      if (Date.now() > deadline) throw new Error(`the sign-in form of ${url} did not become usable in 30 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await context.close();
  }
}
