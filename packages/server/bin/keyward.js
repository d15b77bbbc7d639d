#!/usr/bin/env node
// The `keyward` command: plain Node running the built CLI (dist/, made by `npm run build` or the
// package's prepack). No TypeScript loader at run time.
import { main } from '../dist/cli/main.js';
await main(process.argv.slice(2));
