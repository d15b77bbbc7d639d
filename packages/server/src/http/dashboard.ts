import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from './types.js';

/**
 * Serves the built dashboard (packages/dashboard, built into packages/server/dashboard/) at `/`.
 * Every file is read once at start-up into memory (the bundle is small), so only files that were
 * in the build can ever be served: no path from a request reaches the file system.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Strict: the dashboard loads nothing from elsewhere and talks only to this origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The dashboard build next to this package (src/http → ../../dashboard, dist/… likewise), if any. */
export function findDashboardDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = path.dirname(dir);
    const candidate = path.join(dir, 'dashboard');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

function readTree(root: string, rel = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(path.join(root, rel))) {
    const p = path.join(rel, name);
    if (statSync(path.join(root, p)).isDirectory()) for (const [k, v] of readTree(root, p)) out.set(k, v);
    else out.set(`/${p.split(path.sep).join('/')}`, readFileSync(path.join(root, p)));
  }
  return out;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Keyward</title></head><body><main><h1>Keyward</h1><p>The dashboard is not built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it). The API reference is at <a href="/docs">/docs</a>.</p></main></body></html>`;

export function dashboardRoutes(server: Server, dir: string | undefined = findDashboardDir()): void {
  const files = dir ? readTree(dir) : new Map<string, Buffer>();
  const send = (name: string) => async (_req: unknown, reply: { header(k: string, v: string): unknown; type(t: string): unknown; send(b: Buffer | string): unknown }) => {
    const body = files.get(name);
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    // index.html must be re-read on each release; hashed assets never change.
    reply.header('cache-control', name.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.type(TYPES[path.extname(name)] ?? 'application/octet-stream');
    return reply.send(body ?? NOT_BUILT);
  };
  server.get('/', { config: { auth: 'public' }, schema: { hide: true } }, send('/index.html') as never);
  for (const name of files.keys()) {
    if (name === '/index.html') continue;
    server.get(name, { config: { auth: 'public' }, schema: { hide: true } }, send(name) as never);
  }
}
