import type { Command } from 'commander';
import { KeywardError } from '../../errors/keyward-error.js';
import { webhookAttemptView, webhookDeliveryView, webhookEndpointView } from '../../http/views.js';
import type { EndpointInput } from '../../webhooks/service.js';
import { CLI_ACTOR, withLocal } from '../context.js';

const events = (list: string | undefined): string[] | undefined => (list === undefined ? undefined : list.split(',').map((s) => s.trim()).filter(Boolean));

/**
 * `keyward webhooks`: endpoints, secrets and the delivery log, on the local store. The command
 * queues; the running server (`keyward start`, polling the same outbox) delivers.
 */
export function webhooksCommand(program: Command): void {
  const wh = program.command('webhooks').description('Webhook endpoints (Standard Webhooks signatures), test events and the delivery log');
  wh.command('create')
    .description('Create an endpoint; its whsec_ secret is printed once')
    .requiredOption('--app <appId>', 'app id')
    .requiredOption('--url <url>', 'https URL of the receiver')
    .option('--events <list>', 'comma-separated event types (default every type)')
    .option('--description <text>', 'what it is for')
    .action(async (opts: { app: string; url: string; events?: string; description?: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        const input: EndpointInput = { url: opts.url, ...(opts.events !== undefined ? { events: events(opts.events)! } : {}), ...(opts.description ? { description: opts.description } : {}) };
        const { endpoint, secret } = await kw.webhooks.create(opts.app, input, CLI_ACTOR);
        out.result({ endpoint: webhookEndpointView(endpoint), secret }, () => `Created webhook endpoint ${endpoint.id} → ${endpoint.url}\nSigning secret (shown once): ${secret}`);
      });
    });
  wh.command('list')
    .description("List an app's endpoints")
    .requiredOption('--app <appId>', 'app id')
    .action(async (opts: { app: string }, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.apps.get(opts.app);
        out.list((await kw.webhooks.list(opts.app)).map(webhookEndpointView), ['id', 'url', 'events', 'enabled', 'description']);
      });
    });
  wh.command('update <endpointId>')
    .description('Change the URL, event filter, description or enabled state')
    .option('--url <url>', 'new URL')
    .option('--events <list>', 'comma-separated event types ("" for every type)')
    .option('--description <text>', 'description')
    .option('--enable', 'deliver again')
    .option('--disable', 'stop delivering (queued deliveries fail as "endpoint disabled")')
    .action(async (id: string, opts: { url?: string; events?: string; description?: string; enable?: boolean; disable?: boolean }, cmd: Command) => {
      if (opts.enable && opts.disable) throw new KeywardError('VALIDATION_FAILED', '--enable and --disable exclude each other');
      const input: EndpointInput = {
        ...(opts.url !== undefined ? { url: opts.url } : {}),
        ...(opts.events !== undefined ? { events: events(opts.events)! } : {}),
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(opts.enable ? { enabled: true } : opts.disable ? { enabled: false } : {}),
      };
      if (Object.keys(input).length === 0) throw new KeywardError('VALIDATION_FAILED', 'nothing to change: give --url, --events, --description, --enable or --disable');
      await withLocal(cmd, async (kw, out) => {
        const e = await kw.webhooks.update(id, input, CLI_ACTOR);
        out.result(webhookEndpointView(e), () => `Updated webhook endpoint ${e.id}.`);
      });
    });
  wh.command('delete <endpointId>')
    .description('Delete an endpoint and its delivery log')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        await kw.webhooks.delete(id, CLI_ACTOR);
        out.result({ deleted: id }, () => `Deleted webhook endpoint ${id}.`);
      });
    });
  wh.command('rotate-secret <endpointId>')
    .description('Replace the signing secret; the new one is printed once and signs every later attempt')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const { endpoint, secret } = await kw.webhooks.rotateSecret(id, CLI_ACTOR);
        out.result({ endpoint: webhookEndpointView(endpoint), secret }, () => `New signing secret for ${endpoint.id} (shown once): ${secret}`);
      });
    });
  wh.command('test <endpointId>')
    .description('Queue a webhook.test event for the endpoint (the running server delivers it)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const d = await kw.webhooks.sendTest(id);
        out.result(webhookDeliveryView(d), () => `Queued test delivery ${d.id}.`);
      });
    });
  wh.command('deliveries <endpointId>')
    .description("An endpoint's delivery log, newest first")
    .option('--status <status>', 'pending|delivered|failed')
    .option('--limit <n>', 'how many (1–1000)', '50')
    .action(async (id: string, opts: { status?: string; limit: string }, cmd: Command) => {
      if (opts.status !== undefined && !['pending', 'delivered', 'failed'].includes(opts.status)) throw new KeywardError('VALIDATION_FAILED', '--status must be pending, delivered or failed', { errors: [{ pointer: '--status', message: 'pending, delivered or failed' }] });
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new KeywardError('VALIDATION_FAILED', '--limit must be 1 to 1000', { errors: [{ pointer: '--limit', message: '1 to 1000' }] });
      await withLocal(cmd, async (kw, out) => {
        const items = await kw.webhooks.deliveries(id, { limit, ...(opts.status ? { status: opts.status as 'pending' } : {}) });
        out.list(items.map(webhookDeliveryView), ['id', 'eventType', 'status', 'attempts', 'lastStatusCode', 'lastError', 'nextAttemptAt']);
      });
    });
  wh.command('delivery <deliveryId>')
    .description('One delivery with every attempt')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const { delivery, attempts } = await kw.webhooks.delivery(id);
        out.result({ delivery: webhookDeliveryView(delivery), attempts: attempts.map(webhookAttemptView) }, () =>
          [`${delivery.id} ${delivery.eventType} ${delivery.status} (${delivery.attempts} attempts)`, ...attempts.map((a) => `  #${a.attempt} ${new Date(a.atMs).toISOString()} ${a.statusCode ?? '-'} ${a.error ?? ''} ${a.durationMs} ms`)].join('\n'),
        );
      });
    });
  wh.command('reseal')
    .description('Re-seal every endpoint secret under the active master key (after adding one to KEYWARD_MASTER_KEYS)')
    .action(async (_opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const result = await kw.webhooks.reseal(CLI_ACTOR, (n) => out.notice(`resealed ${n}…`));
        out.result(result, () => `Re-sealed ${result.resealed} webhook secret(s) under master key ${kw.keyring.activeId}.`);
      });
    });
  wh.command('redeliver <deliveryId>')
    .description('Make one more attempt now (same webhook-id)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withLocal(cmd, async (kw, out) => {
        const d = await kw.webhooks.redeliver(id);
        out.result(webhookDeliveryView(d), () => `Queued ${d.id} again.`);
      });
    });
}
