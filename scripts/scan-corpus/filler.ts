/**
 * Realistic surroundings for the scan corpus: per file type, lines of ordinary code and config
 * that a scanner must read without raising anything, and where a planted line goes.
 */
export interface FileKind {
  readonly ext: string;
  readonly dir: string;
  /** How a key/value assignment reads in this kind of file (for generic and placed values). */
  readonly assign: (name: string, value: string) => string;
  readonly comment: (text: string) => string;
  readonly lines: readonly string[];
}

const tsLines = [
  "import { Router } from 'express';",
  "import { z } from 'zod';",
  'export interface Order { id: string; total: number; currency: string }',
  'const router = Router();',
  "router.get('/orders/:id', async (req, res) => {",
  '  const order = await db.orders.findById(req.params.id);',
  "  if (!order) return res.status(404).json({ error: 'not found' });",
  '  res.json(order);',
  '});',
  'export const schema = z.object({ email: z.string().email(), age: z.number().int().min(13) });',
  'function retry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {',
  '  return fn().catch((e) => (attempts > 1 ? retry(fn, attempts - 1) : Promise.reject(e)));',
  '}',
  "const tokenHeader = req.headers['x-api-key'];",
  'const cacheKey = `order:${orderId}:${version}`;',
  "logger.info({ orderId, userId }, 'order created');",
  'export default router;',
];

const pyLines = [
  'import os',
  'import logging',
  'from dataclasses import dataclass',
  'logger = logging.getLogger(__name__)',
  '@dataclass',
  'class Invoice:',
  '    number: str',
  '    amount_cents: int',
  'def total(items):',
  '    return sum(i.price * i.qty for i in items)',
  "API_BASE = os.environ.get('API_BASE', 'https://api.internal')",
  "token = os.environ['SERVICE_TOKEN']",
  'if __name__ == "__main__":',
  '    main()',
];

const goLines = [
  'package payments',
  'import (',
  '\t"context"',
  '\t"net/http"',
  ')',
  'type Client struct {',
  '\thttp    *http.Client',
  '\tbaseURL string',
  '}',
  'func (c *Client) Charge(ctx context.Context, amount int64) error {',
  '\treq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/charges", nil)',
  '\tif err != nil {',
  '\t\treturn err',
  '\t}',
  '\treturn nil',
  '}',
];

const ktLines = [
  'package io.acme.shop',
  'import android.app.Application',
  'import okhttp3.OkHttpClient',
  'class ShopApp : Application() {',
  '    override fun onCreate() {',
  '        super.onCreate()',
  '        val client = OkHttpClient.Builder().build()',
  '    }',
  '}',
  'data class Product(val sku: String, val priceCents: Long)',
  'val apiKeyHeader = "X-Api-Key"',
];

const swiftLines = [
  'import Foundation',
  'import UIKit',
  'struct Config {',
  '    static let baseURL = URL(string: "https://api.acme.io")!',
  '}',
  'final class APIClient {',
  '    private let session = URLSession.shared',
  '    func fetch(_ path: String) async throws -> Data {',
  '        let (data, _) = try await session.data(from: Config.baseURL.appendingPathComponent(path))',
  '        return data',
  '    }',
  '}',
];

const yamlLines = [
  'version: "3.9"',
  'services:',
  '  api:',
  '    image: acme/api:1.42.0',
  '    ports:',
  '      - "8080:8080"',
  '    environment:',
  '      LOG_LEVEL: info',
  '      REGION: eu-west-1',
  '    depends_on:',
  '      - db',
  '  db:',
  '    image: postgres:16',
];

const envLines = ['NODE_ENV=production', 'PORT=8080', 'LOG_LEVEL=info', 'FEATURE_CHECKOUT_V2=true', 'REGION=eu-west-1', 'SENTRY_ENVIRONMENT=prod'];
const mdLines = ['# Acme API', '', 'The API serves orders and invoices.', '', '## Setup', '', '1. Copy `.env.example` to `.env`.', '2. Run `npm install` and `npm start`.', '', 'See the [operations guide](docs/ops.md).'];
const jsonLines = ['  "name": "acme-shop",', '  "version": "2.3.1",', '  "private": true,', '  "region": "eu-west-1",', '  "retries": 3,'];
const javaLines = ['package io.acme.billing;', 'import java.util.List;', 'public class BillingService {', '    private final InvoiceRepository repo;', '    public BillingService(InvoiceRepository repo) { this.repo = repo; }', '    public List<Invoice> open() { return repo.findByStatus("OPEN"); }', '}'];
const rbLines = ["require 'json'", 'class OrdersController < ApplicationController', '  def show', '    render json: Order.find(params[:id])', '  end', 'end'];
const phpLines = ['<?php', 'namespace App\\Http\\Controllers;', 'use Illuminate\\Http\\Request;', 'class CartController extends Controller', '{', '    public function index(Request $request) { return view("cart"); }', '}'];
const tfLines = ['provider "aws" {', '  region = "eu-west-1"', '}', 'resource "aws_s3_bucket" "assets" {', '  bucket = "acme-assets-prod"', '}'];
const shLines = ['#!/usr/bin/env bash', 'set -euo pipefail', 'cd "$(dirname "$0")/.."', 'npm ci', 'npm run build', 'echo "deployed $(git rev-parse --short HEAD)"'];
const xmlLines = ['<?xml version="1.0" encoding="utf-8"?>', '<resources>', '    <string name="app_name">Acme Shop</string>', '    <color name="brand">#FF5722</color>', '</resources>'];
const propLines = ['spring.application.name=billing', 'server.port=8081', 'spring.jpa.hibernate.ddl-auto=validate', 'management.endpoints.web.exposure.include=health'];

export const KINDS: Readonly<Record<string, FileKind>> = {
  ts: { ext: 'ts', dir: 'services/api/src', assign: (n, v) => `const ${n} = "${v}";`, comment: (t) => `// ${t}`, lines: tsLines },
  js: { ext: 'js', dir: 'web/src', assign: (n, v) => `export const ${n} = '${v}';`, comment: (t) => `// ${t}`, lines: tsLines },
  py: { ext: 'py', dir: 'workers/billing', assign: (n, v) => `${n} = "${v}"`, comment: (t) => `# ${t}`, lines: pyLines },
  go: { ext: 'go', dir: 'services/payments', assign: (n, v) => `const ${n} = "${v}"`, comment: (t) => `// ${t}`, lines: goLines },
  kt: { ext: 'kt', dir: 'android/app/src/main/java/io/acme/shop', assign: (n, v) => `const val ${n} = "${v}"`, comment: (t) => `// ${t}`, lines: ktLines },
  swift: { ext: 'swift', dir: 'ios/Shop', assign: (n, v) => `let ${n} = "${v}"`, comment: (t) => `// ${t}`, lines: swiftLines },
  java: { ext: 'java', dir: 'billing/src/main/java/io/acme/billing', assign: (n, v) => `    private static final String ${n} = "${v}";`, comment: (t) => `// ${t}`, lines: javaLines },
  rb: { ext: 'rb', dir: 'legacy/app/controllers', assign: (n, v) => `${n} = '${v}'`, comment: (t) => `# ${t}`, lines: rbLines },
  php: { ext: 'php', dir: 'shop/app/Http/Controllers', assign: (n, v) => `    $${n} = '${v}';`, comment: (t) => `// ${t}`, lines: phpLines },
  yaml: { ext: 'yaml', dir: 'deploy', assign: (n, v) => `      ${n}: ${v}`, comment: (t) => `# ${t}`, lines: yamlLines },
  env: { ext: 'env', dir: 'config', assign: (n, v) => `${n}=${v}`, comment: (t) => `# ${t}`, lines: envLines },
  json: { ext: 'json', dir: 'config', assign: (n, v) => `  "${n}": "${v}",`, comment: () => '  "_comment": "generated",', lines: jsonLines },
  md: { ext: 'md', dir: 'docs', assign: (n, v) => `Set \`${n}\` to \`${v}\`.`, comment: (t) => `<!-- ${t} -->`, lines: mdLines },
  tf: { ext: 'tf', dir: 'infra', assign: (n, v) => `  ${n} = "${v}"`, comment: (t) => `# ${t}`, lines: tfLines },
  sh: { ext: 'sh', dir: 'scripts', assign: (n, v) => `export ${n}="${v}"`, comment: (t) => `# ${t}`, lines: shLines },
  xml: { ext: 'xml', dir: 'android/app/src/main/res/values', assign: (n, v) => `    <string name="${n}">${v}</string>`, comment: (t) => `<!-- ${t} -->`, lines: xmlLines },
  properties: { ext: 'properties', dir: 'billing/src/main/resources', assign: (n, v) => `${n}=${v}`, comment: (t) => `# ${t}`, lines: propLines },
};
