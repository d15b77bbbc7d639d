/**
 * Child process for the dashboard benchmark's baseline: node:http answering every request with one
 * static HTML page holding a labelled root-key input and a button, no script, no style sheet: the
 * least a sign-in page can cost to load in this browser on this machine.
 */
import { createServer } from 'node:http';
import { ready } from './child.js';

const PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body><main><h1>Sign in</h1><form><label for="rootKey">Root key</label><input id="rootKey" type="password"><button>Sign in</button></form></main></body></html>';
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(PAGE);
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  ready({ address: `http://127.0.0.1:${a.port}` });
});
