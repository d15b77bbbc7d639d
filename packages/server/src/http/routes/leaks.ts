import { Type } from '@sinclair/typebox';
import { KeywardError } from '../../errors/keyward-error.js';
import type { Keyward } from '../../keyward.js';
import { idPattern } from '../../lib/ids.js';
import { MAX_LEAK_BODY_BYTES, parseLeakReport } from '../../leaks/report.js';
import { verifyLeakSignature, type LeakSignatureRefusal } from '../../leaks/signature.js';
import { assertAppAccess } from '../auth.js';
import { AppId, ERROR_RESPONSES, Limit } from '../schemas.js';
import type { Server } from '../types.js';
import { leakReportView } from '../views.js';
import { actorOf } from './actor.js';

const REFUSAL_CODES = { unsigned: 'LEAK_REPORT_UNSIGNED', unknown_key: 'LEAK_REPORT_KEY_UNKNOWN', bad_signature: 'LEAK_REPORT_SIGNATURE_INVALID' } as const satisfies Record<LeakSignatureRefusal, string>;

const LeakReportView = Type.Object({
  id: Type.String(),
  tokenHash: Type.String({ description: 'SHA-256 of the reported token, hex (the token itself is never stored)' }),
  tokenType: Type.String(),
  url: Type.String(),
  source: Type.String(),
  keyId: Type.Union([Type.String(), Type.Null()]),
  appId: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union([Type.Literal('revoked'), Type.Literal('flagged'), Type.Literal('already_revoked'), Type.Literal('false_positive')]),
  reportedBy: Type.String(),
  reportCount: Type.Integer(),
  firstReportedAt: Type.String({ format: 'date-time' }),
  lastReportedAt: Type.String({ format: 'date-time' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('dismissed'), Type.Literal('resolved')], { description: 'The review: open until an operator dismisses it or revokes its key (resolved); outcome stays what the report did' }),
  closedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  closedBy: Type.Union([Type.String(), Type.Null()]),
});

const LeakReportId = Type.String({ pattern: idPattern('lkr') });

const header = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? undefined : v);

/**
 * Leak reports in the GitHub secret scanning partner format. The route's own context takes the
 * body as raw bytes (no JSON parser runs): the signature is checked over exactly those bytes
 * before anything parses them, so a malformed or unsigned report is refused having been read by
 * nothing and having changed nothing.
 */
export async function leakRoutes(server: Server, kw: Pick<Keyward, 'leaks' | 'leakKeys'>): Promise<void> {
  await server.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_LEAK_BODY_BYTES }, (_req, body, done) => done(null, body));
    raw.post(
      '/v1/leaks',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['leaks'],
          summary: 'Report leaked tokens (GitHub secret scanning partner format, ECDSA-signed); Keyward keys are revoked or flagged per app',
          response: { 200: Type.Array(Type.Object({ token_hash: Type.String(), token_type: Type.String(), label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')]) })), ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        if (!kw.leakKeys.configured) throw new KeywardError('LEAK_REPORTS_DISABLED', 'set KEYWARD_LEAK_PUBLIC_KEYS_FILE or KEYWARD_LEAK_PUBLIC_KEYS_URL');
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const headers = { keyIdentifier: header(request.headers['github-public-key-identifier']), signature: header(request.headers['github-public-key-signature']) };
        let verdict = verifyLeakSignature(body, headers, await kw.leakKeys.keys());
        // A key id we have not seen may be GitHub's newly published key: refetch once (rate-limited), then decide.
        if (!verdict.ok && verdict.refusal === 'unknown_key') verdict = verifyLeakSignature(body, headers, await kw.leakKeys.keys(headers.keyIdentifier));
        if (!verdict.ok) throw new KeywardError(REFUSAL_CODES[verdict.refusal]);
        const parsed = parseLeakReport(body.toString('utf8'));
        if (parsed === 'malformed_json') throw new KeywardError('MALFORMED_JSON', 'the report is not valid JSON');
        if (!parsed.ok) throw new KeywardError('VALIDATION_FAILED', `${parsed.pointer}: ${parsed.message}`, { errors: [{ pointer: parsed.pointer, message: parsed.message }] });
        return kw.leaks.report(parsed.entries, verdict.keyIdentifier, String(request.id));
      },
    );
  });

  server.get(
    '/v1/leaks',
    {
      config: { auth: 'root', permission: 'leaks:read', apps: 'handler' },
      schema: {
        tags: ['leaks'],
        summary: 'List leak reports, newest first (one app with appId; every app needs an all-app root key)',
        querystring: Type.Object(
          { appId: Type.Optional(AppId), status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('dismissed'), Type.Literal('resolved')])), limit: Type.Optional(Limit), before: Type.Optional(LeakReportId) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(LeakReportView), next: Type.Union([Type.String(), Type.Null()]) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      assertAppAccess(request.caller!, request.query.appId ?? null);
      const limit = Math.min(Math.max(Number(request.query.limit ?? 100), 1), 1000);
      const q = request.query;
      const items = await kw.leaks.list({ limit, ...(q.appId ? { appId: q.appId } : {}), ...(q.status ? { status: q.status } : {}), ...(q.before ? { before: q.before } : {}) });
      return { items: items.map(leakReportView), next: items.length === limit ? items[items.length - 1]!.id : null };
    },
  );

  /** One report; 404 also for a report of an app the root key does not cover. */
  const load = async (request: { caller?: Parameters<typeof assertAppAccess>[0]; params: { leakReportId: string } }) => {
    const r = await kw.leaks.get(request.params.leakReportId);
    if (!r) throw new KeywardError('NOT_FOUND', 'leak report not found');
    assertAppAccess(request.caller!, r.appId);
    return r;
  };

  server.get(
    '/v1/leaks/:leakReportId',
    {
      config: { auth: 'root', permission: 'leaks:read', apps: 'handler' },
      schema: { tags: ['leaks'], summary: 'One leak report', params: Type.Object({ leakReportId: LeakReportId }), response: { 200: LeakReportView, ...ERROR_RESPONSES } },
    },
    async (request) => leakReportView(await load(request)),
  );

  server.post(
    '/v1/leaks/:leakReportId/dismiss',
    {
      config: { auth: 'root', permission: 'leaks:write', apps: 'handler' },
      schema: {
        tags: ['leaks'],
        summary: 'Dismiss an open leak report (looked at, nothing to do); CONFLICT unless open. The key is left as it is.',
        params: Type.Object({ leakReportId: LeakReportId }),
        response: { 200: LeakReportView, ...ERROR_RESPONSES },
      },
    },
    async (request) => leakReportView(await kw.leaks.dismiss((await load(request)).id, actorOf(request))),
  );

  server.post(
    '/v1/leaks/:leakReportId/revoke',
    {
      config: { auth: 'root', permission: 'keys:write', apps: 'handler' },
      schema: {
        tags: ['leaks'],
        summary: "Revoke the key a leak report names (reason leaked; a flagged publishable key once its replacement shipped) and mark an open report resolved. Idempotent; CONFLICT for a report naming no key",
        params: Type.Object({ leakReportId: LeakReportId }),
        response: { 200: LeakReportView, ...ERROR_RESPONSES },
      },
    },
    async (request) => leakReportView(await kw.leaks.revokeReported((await load(request)).id, actorOf(request))),
  );
}
