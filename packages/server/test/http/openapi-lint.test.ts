import type { AddressInfo } from 'node:net';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { makeApi } from '../helpers.js';

describe('the served OpenAPI description under Redocly\'s linter', () => {
  it('has no errors and no warnings with the recommended rules', async () => {
    const api = await makeApi();
    try {
      const source = (await api.server.inject({ method: 'GET', url: '/openapi.json' })).body;
      const config = await createConfig({ extends: ['recommended'] });
      const problems = await lintFromString({ source, absoluteRef: '/openapi.json', config });
      expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`)).toEqual([]);
    } finally {
      await api.kw.close();
    }
  });
});

describe('the API reference at /docs', () => {
  it('is served from this process under a strict CSP and names no other origin', async () => {
    const api = await makeApi();
    try {
      const page = await api.server.inject({ method: 'GET', url: '/docs' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      for (const asset of ['/docs', '/docs/app.js', '/docs/style.css']) {
        const body = (await api.server.inject({ method: 'GET', url: asset })).body;
        expect(body, asset).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
        expect(body, asset).not.toMatch(/\bimport\s*\(|https?:\/\/(?!www\.w3\.org)/);
      }
    } finally {
      await api.kw.close();
    }
  });

  it('renders every operation of /openapi.json in a real browser, with no request leaving the server', async () => {
    const api = await makeApi();
    await api.server.listen({ port: 0, host: '127.0.0.1' });
    const origin = `http://127.0.0.1:${(api.server.server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`${origin}/docs`);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 15_000 });
      const rendered = await page.$$eval('section.op', (els) => els.map((e) => e.getAttribute('data-operation-id')));
      const spec = (await api.server.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { operationId: string }>> };
      const expected = Object.values(spec.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
      expect(rendered.sort()).toEqual(expected.sort());
      expect(requested.every((u) => u.startsWith(`${origin}/`)), requested.join(' ')).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await api.server.close();
      await api.kw.close();
    }
  }, 30_000);
});
