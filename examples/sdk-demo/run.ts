/**
 * The whole demo with one command: builds the browser bundle (`bundle.js`, what index.html loads),
 * starts the server side, runs the app side once in Node, and keeps serving so the same app can run
 * in a browser at /demo/. `--once` stops after the Node run (the test uses it).
 *
 *   npm run demo            (= npx tsx examples/sdk-demo/run.ts; PORT to choose the port, default 8790)
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runApp } from './app.js';
import { startDemo } from './server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const USER = { username: 'ada', password: 'correct horse battery staple' } as const;

/** Bundles the app for browsers (an IIFE exposing `keywardDemo.runApp`) next to a copy of index.html. */
export async function buildBrowserDemo(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({ entryPoints: [path.join(here, 'browser-entry.ts')], bundle: true, format: 'iife', platform: 'browser', target: 'es2022', outfile: path.join(outDir, 'bundle.js'), logLevel: 'silent' });
  copyFileSync(path.join(here, 'index.html'), path.join(outDir, 'index.html'));
}

async function main(): Promise<void> {
  const once = process.argv.includes('--once');
  const outDir = path.join(here, 'dist');
  await buildBrowserDemo(outDir);
  console.log(`built ${path.relative(process.cwd(), path.join(outDir, 'bundle.js'))}`);
  const demo = await startDemo({ port: Number(process.env.PORT ?? 8790), sessionKeyTtlSeconds: 2, staticDir: outDir });
  console.log(`server side on ${demo.url} (Keyward under /v1, the demo API under /api)`);
  console.log('app side (Node):');
  const result = await runApp({ baseUrl: demo.url, publishableKey: demo.publishableKey, ...USER, waitMs: 1500, log: (line) => console.log(`  ${line}`) });
  for (const p of result.profiles) console.log(`  GET /api/profile → ${JSON.stringify(p)}`);
  if (once) {
    await demo.close();
    return;
  }
  console.log(`app side (browser): open ${demo.url}/demo/index.html — Ctrl-C to stop`);
  process.on('SIGINT', () => void demo.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => void demo.close().then(() => process.exit(0)));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
