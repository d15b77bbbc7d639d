// Bundled by the browser test (esbuild) into an IIFE: the SDK as a browser gets it.
import { runApp } from './app.js';

(globalThis as unknown as { keywardDemo: { runApp: typeof runApp } }).keywardDemo = { runApp };
