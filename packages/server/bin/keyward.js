#!/usr/bin/env node
// The `keyward` command: plain Node running the built CLI in dist/ (made by the package's prepack
// for the published package, and by `npm install`, `npm start` or `npm run build` in the
// repository). No TypeScript loader at run time.
import { fileURLToPath, URL } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
let cli;
try {
  cli = await import(entry.href);
} catch (err) {
  // A checkout whose dist/ was never built: say what to run instead of printing a stack trace.
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(fileURLToPath(entry))) {
    process.stderr.write('keyward is not built (no dist/): run `npm run build` in the repository\n');
    process.exit(3);
  }
  throw err;
}
await cli.main(process.argv.slice(2));
