import type { Server } from './types.js';

/**
 * The API reference at `/docs`: a small page of Keyward's own that renders `/openapi.json` in the
 * browser. Everything is served from this process (no CDN, no third-party script), under a CSP
 * that allows only this origin's script and style and the fetch of the spec. The script builds
 * the page with `textContent` only, so nothing in the spec is ever parsed as HTML.
 */
const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keyward API reference</title>
<link rel="stylesheet" href="/docs/style.css">
<link rel="icon" href="data:,">
<script src="/docs/app.js" defer></script>
</head>
<body>
<header><h1 id="title">Keyward API reference</h1><p id="intro"></p><p><a href="/openapi.json">openapi.json</a></p></header>
<nav id="toc" aria-label="Operations"></nav>
<main id="ops"><p id="status">Loading /openapi.json…</p></main>
</body>
</html>
`;

const CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0;display:grid;grid-template-columns:18rem 1fr;grid-template-rows:auto 1fr;color:#1b1f24}
header{grid-column:1/3;padding:1rem 2rem;border-bottom:1px solid #ddd}
nav{padding:1rem;border-right:1px solid #ddd;overflow:auto;max-height:100vh;position:sticky;top:0;font-size:13px}
nav h3{margin:1rem 0 .25rem;text-transform:uppercase;font-size:12px;color:#555}
nav a{display:block;color:#0b5cad;text-decoration:none;padding:1px 0}
main{padding:1rem 2rem;max-width:60rem}
section.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.method{display:inline-block;min-width:4.5rem;font-weight:700;font-family:ui-monospace,monospace}
.path{font-family:ui-monospace,monospace}
.get{color:#1a7f37}.post{color:#0b5cad}.patch,.put{color:#9a6700}.delete{color:#cf222e}
.badge{font-size:12px;border:1px solid #aaa;border-radius:4px;padding:0 4px;margin-left:.5rem}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:12px;max-height:24rem}
table{border-collapse:collapse}td{padding:2px 8px;vertical-align:top}
`;

const JS = `'use strict';
(function () {
  var METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function resolve(doc, schema) {
    if (schema && schema.$ref && schema.$ref.indexOf('#/components/schemas/') === 0) return { name: schema.$ref.slice(21), schema: doc.components.schemas[schema.$ref.slice(21)] };
    return { schema: schema };
  }
  function schemaBlock(doc, label, schema) {
    var r = resolve(doc, schema);
    var d = el('details');
    d.appendChild(el('summary', null, label + (r.name ? ' (' + r.name + ')' : '')));
    d.appendChild(el('pre', null, JSON.stringify(r.schema, null, 2)));
    return d;
  }
  function render(doc) {
    document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
    document.getElementById('intro').textContent = doc.info.description || '';
    var toc = document.getElementById('toc');
    var ops = document.getElementById('ops');
    ops.textContent = '';
    var groups = {};
    Object.keys(doc.paths).forEach(function (path) {
      METHODS.forEach(function (m) {
        var op = doc.paths[path][m];
        if (!op) return;
        var tag = (op.tags && op.tags[0]) || 'other';
        (groups[tag] = groups[tag] || []).push({ path: path, method: m, op: op });
      });
    });
    Object.keys(groups).sort().forEach(function (tag) {
      toc.appendChild(el('h3', null, tag));
      ops.appendChild(el('h2', { id: 'tag-' + tag }, tag));
      groups[tag].forEach(function (o) {
        var id = o.op.operationId;
        toc.appendChild(el('a', { href: '#' + id }, o.method.toUpperCase() + ' ' + o.path));
        var s = el('section', { class: 'op', id: id, 'data-operation-id': id });
        var h = el('h3');
        h.appendChild(el('span', { class: 'method ' + o.method }, o.method.toUpperCase()));
        h.appendChild(el('span', { class: 'path' }, o.path));
        h.appendChild(el('span', { class: 'badge' }, o.op.security && o.op.security.length === 0 ? 'public' : 'authenticated'));
        s.appendChild(h);
        s.appendChild(el('p', null, o.op.summary || ''));
        if (o.op.description) s.appendChild(el('p', null, o.op.description));
        s.appendChild(el('p', null, 'operationId: ' + id));
        var params = o.op.parameters || [];
        if (params.length) {
          var t = el('table');
          params.forEach(function (p) {
            var tr = el('tr');
            tr.appendChild(el('td', null, p.name + (p.required ? ' *' : '')));
            tr.appendChild(el('td', null, p.in));
            tr.appendChild(el('td', null, (p.schema && p.schema.type) || ''));
            tr.appendChild(el('td', null, p.description || ''));
            t.appendChild(tr);
          });
          s.appendChild(t);
        }
        var body = o.op.requestBody && o.op.requestBody.content && o.op.requestBody.content['application/json'];
        if (body) s.appendChild(schemaBlock(doc, 'Request body', body.schema));
        Object.keys(o.op.responses || {}).forEach(function (status) {
          var resp = o.op.responses[status];
          var content = resp.content || {};
          var type = Object.keys(content)[0];
          if (type) s.appendChild(schemaBlock(doc, status + ' ' + type + ': ' + (resp.description || ''), content[type].schema));
          else s.appendChild(el('p', null, status + ': ' + (resp.description || '')));
        });
        ops.appendChild(s);
      });
    });
    document.body.setAttribute('data-rendered', 'true');
  }
  fetch('/openapi.json', { headers: { accept: 'application/json' } })
    .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
    .then(render)
    .catch(function (err) { document.getElementById('status').textContent = 'Could not load /openapi.json: ' + err.message; });
})();
`;

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** `GET /docs` (and its script and style): public, like `/openapi.json`, hidden from the spec itself. */
export function docsRoutes(server: Server): void {
  const page = (body: string, type: string) => async (_req: unknown, reply: { header(k: string, v: string): unknown; type(t: string): unknown; send(b: string): unknown }) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-cache');
    reply.type(type);
    return reply.send(body);
  };
  server.get('/docs', { config: { auth: 'public' }, schema: { hide: true } }, page(HTML, 'text/html; charset=utf-8') as never);
  server.get('/docs/app.js', { config: { auth: 'public' }, schema: { hide: true } }, page(JS, 'text/javascript; charset=utf-8') as never);
  server.get('/docs/style.css', { config: { auth: 'public' }, schema: { hide: true } }, page(CSS, 'text/css; charset=utf-8') as never);
}
