import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { buildDashboard } from '../../scripts/build.js';
import { startServer } from '../http-load.js';
import { firstInteractiveMs } from '../../test/e2e/first-interactive.js';
import type { BenchCase } from '../lib.js';

/**
 * The dashboard's first page on loopback: a cold load (fresh browser context) of `/` from
 * `keyward start`'s server, from navigation start until the sign-in form is usable (the root-key
 * input rendered and enabled: the bundle parsed, React rendered, the session check answered),
 * in Debian's Chromium, headless. Baseline, measured alternately in the same run: a static HTML
 * page with the same input and no script, from node:http. Target (issue #14): under 1 s at p99.
 */
const DASHBOARD_DIR = fileURLToPath(new URL('../../packages/server/dashboard', import.meta.url));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const bench: BenchCase = {
  name: 'dashboard first page interactive',
  async run({ quick, log }) {
    await buildDashboard();
    const keyward = await startServer<{ address: string }>('keyward-dashboard.ts', { BENCH_DASHBOARD_DIR: DASHBOARD_DIR });
    const bare = await startServer<{ address: string }>('static-sign-in.ts');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
    try {
      const loads = quick ? 10 : 40;
      const s: number[] = [];
      const b: number[] = [];
      // Warm-up: the browser's own first start-up costs are not the page's.
      await firstInteractiveMs(browser, `${keyward.info.address}/`);
      await firstInteractiveMs(browser, `${bare.info.address}/`);
      for (let i = 0; i < loads; i++) {
        const order = i % 2 === 0 ? [true, false] : [false, true];
        for (const dashboard of order) (dashboard ? s : b).push(await firstInteractiveMs(browser, `${dashboard ? keyward.info.address : bare.info.address}/`));
      }
      const ss = [...s].sort((x, y) => x - y);
      const bs = [...b].sort((x, y) => x - y);
      const median = (xs: number[]) => percentile(xs, 50);
      log(`dashboard: median ${median(ss).toFixed(0)} ms, p99 ${percentile(ss, 99).toFixed(0)} ms; static page: median ${median(bs).toFixed(0)} ms`);
      return [
        {
          name: 'first page interactive (navigation start → sign-in form usable), cold, loopback',
          subjectLabel: 'Keyward dashboard',
          baselineLabel: 'static HTML form, no script',
          subject: { opsPerSec: 1000 / median(ss), p50Ms: median(ss), p99Ms: percentile(ss, 99) },
          baseline: { opsPerSec: 1000 / median(bs), p50Ms: median(bs), p99Ms: percentile(bs, 99) },
          pairedRatio: median(s.map((x, i) => b[i]! / x).sort((x, y) => x - y)),
          target: { maxP99Ms: 1000 },
          notes: `${loads} cold loads of each, alternated, each in a fresh browser context (no cache, no cookie); Chromium headless on the same machine as the servers; rates are loads per second (1000 / median ms)`,
        },
      ];
    } finally {
      await browser.close();
      keyward.child.kill();
      bare.child.kill();
    }
  },
};
export default bench;
