import { KeywardError } from '../errors/keyward-error.js';
import { newId } from '../lib/ids.js';
import { resealStale, resealValue, type Keyring } from '../lib/sealed.js';
import type { Actor } from '../keys/service.js';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, type DeliveryAttempt, type DeliveryStatus, type WebhookDelivery, type WebhookEndpoint, type WebhookEventType } from './model.js';
import { deliveriesFor } from './outbox.js';
import { newWebhookSecret } from './signing.js';
import { endpointUrlProblem } from './ssrf.js';
import type { WebhookStore } from './store.js';

/** What operators see of an endpoint: never the secret. */
export type EndpointView = Omit<WebhookEndpoint, 'sealedSecret'>;
export const endpointView = ({ sealedSecret: _s, ...rest }: WebhookEndpoint): EndpointView => rest;

/** Associated data binding a sealed endpoint secret to its row (a swapped value will not open). */
export const endpointSecretContext = (id: string): string => `webhook:${id}`;

export interface EndpointInput {
  readonly url?: string;
  readonly description?: string;
  readonly events?: readonly string[];
  readonly enabled?: boolean;
}

const MAX_ENDPOINTS_PER_APP = 20;

/**
 * Webhook endpoints (per app), their delivery log, test sends and redelivery. Events do not pass
 * through here: a feature that notifies (keys, leak reports, anomaly detection) puts its events
 * on the audit draft of the change they describe (`AuditDraft.events`), and the store queues them
 * in that change's transaction (store/sql/outbox.ts), so a crash can never keep the change and
 * lose its event, or the reverse. The dispatcher (dispatcher.ts) delivers. Nothing here knows
 * about HTTP.
 */
export class WebhookService {
  constructor(
    private readonly deps: {
      readonly store: WebhookStore;
      readonly keyring: Keyring;
      readonly now: () => number;
      /** Endpoint URLs may name loopback/private addresses (tests, internal receivers). */
      readonly allowPrivateAddresses: boolean;
      /** Called after an event is queued, so a dispatcher can deliver it without waiting for its next poll. */
      readonly onQueued?: () => void;
    },
  ) {}

  async create(appId: string, input: EndpointInput, by: Actor): Promise<{ endpoint: EndpointView; secret: string }> {
    this.validate(input, true);
    if ((await this.deps.store.listEndpoints(appId)).length >= MAX_ENDPOINTS_PER_APP) throw new KeywardError('CONFLICT', `an app has at most ${MAX_ENDPOINTS_PER_APP} webhook endpoints`);
    const now = this.deps.now();
    const id = newId('wh');
    const secret = newWebhookSecret();
    const endpoint: WebhookEndpoint = {
      id,
      appId,
      url: input.url!,
      description: input.description ?? '',
      events: (input.events ?? []) as WebhookEventType[],
      enabled: input.enabled ?? true,
      sealedSecret: this.deps.keyring.seal(secret, endpointSecretContext(id)),
      createdAtMs: now,
      updatedAtMs: now,
      version: 1,
    };
    await this.deps.store.createEndpoint(endpoint, { ...by, action: 'webhook.create', target: id, data: { appId, url: endpoint.url, events: endpoint.events } });
    return { endpoint: endpointView(endpoint), secret };
  }

  async get(id: string): Promise<EndpointView> {
    return endpointView(await this.load(id));
  }

  async list(appId: string): Promise<EndpointView[]> {
    return (await this.deps.store.listEndpoints(appId)).map(endpointView);
  }

  async update(id: string, input: EndpointInput, by: Actor): Promise<EndpointView> {
    this.validate(input, false);
    const e = await this.load(id);
    const { events, ...rest } = input;
    const patch = { ...rest, ...(events ? { events: events as WebhookEventType[] } : {}) };
    const outcome = await this.deps.store.updateEndpoint(id, patch, e.version, this.deps.now(), { ...by, action: 'webhook.update', target: id, data: { fields: Object.keys(input) } });
    if (outcome === 'not_found') throw new KeywardError('NOT_FOUND', 'webhook endpoint not found');
    if (outcome === 'conflict') throw new KeywardError('CONFLICT', 'the endpoint changed concurrently; try again');
    return this.get(id);
  }

  async delete(id: string, by: Actor): Promise<void> {
    await this.load(id);
    const outcome = await this.deps.store.deleteEndpoint(id, this.deps.now(), { ...by, action: 'webhook.delete', target: id });
    if (outcome !== 'ok') throw new KeywardError('NOT_FOUND', 'webhook endpoint not found');
  }

  /**
   * A new secret, returned once. Deliveries already queued are signed with whatever secret the
   * endpoint has when each attempt is made, so the receiver must accept the new one at once.
   */
  async rotateSecret(id: string, by: Actor): Promise<{ endpoint: EndpointView; secret: string }> {
    const e = await this.load(id);
    const secret = newWebhookSecret();
    const outcome = await this.deps.store.updateEndpoint(id, { sealedSecret: this.deps.keyring.seal(secret, endpointSecretContext(id)) }, e.version, this.deps.now(), {
      ...by,
      action: 'webhook.rotate_secret',
      target: id,
    });
    if (outcome !== 'ok') throw new KeywardError(outcome === 'not_found' ? 'NOT_FOUND' : 'CONFLICT', outcome === 'not_found' ? 'webhook endpoint not found' : 'the endpoint changed concurrently; try again');
    return { endpoint: await this.get(id), secret };
  }

  /**
   * Master-key rotation: re-seals every endpoint secret not sealed under the active master key,
   * guarded on each endpoint's version (a concurrent change wins; run again). lib/sealed.ts.
   */
  async reseal(by: Actor, onProgress?: (done: number) => void): Promise<{ resealed: number }> {
    const { store, keyring } = this.deps;
    return resealStale(
      {
        page: (after: string | undefined, limit) => store.listAllEndpoints(after, limit),
        cursor: (e) => e.id,
        resealed: (e) => resealValue(keyring, e.sealedSecret, endpointSecretContext(e.id)),
        write: async (e, sealedSecret) =>
          (await store.updateEndpoint(e.id, { sealedSecret }, e.version, this.deps.now(), { ...by, action: 'webhook.reseal', target: e.id, data: { masterKeyId: keyring.activeId } })) === 'ok',
      },
      onProgress,
    );
  }

  /** Queues a `webhook.test` event for this endpoint only (whatever its filter); returns the delivery. */
  async sendTest(id: string): Promise<WebhookDelivery> {
    const e = await this.load(id);
    const [d] = deliveriesFor([e], { type: 'webhook.test', appId: e.appId, data: { endpointId: e.id } }, this.deps.now());
    await this.deps.store.enqueue([d!]);
    this.deps.onQueued?.();
    return (await this.deps.store.getDelivery(d!.id))!;
  }

  async deliveries(endpointId: string, options: { limit: number; status?: DeliveryStatus }): Promise<readonly WebhookDelivery[]> {
    await this.load(endpointId);
    return this.deps.store.listDeliveries(endpointId, options);
  }

  async delivery(id: string): Promise<{ delivery: WebhookDelivery; attempts: readonly DeliveryAttempt[] }> {
    const delivery = await this.deps.store.getDelivery(id);
    if (!delivery) throw new KeywardError('NOT_FOUND', 'delivery not found');
    return { delivery, attempts: await this.deps.store.listAttempts(id) };
  }

  async redeliver(id: string): Promise<WebhookDelivery> {
    if ((await this.deps.store.redeliver(id, this.deps.now())) !== 'ok') throw new KeywardError('NOT_FOUND', 'delivery not found');
    this.deps.onQueued?.();
    return (await this.deps.store.getDelivery(id))!;
  }

  /** The app an endpoint or delivery belongs to, for the routes' app-scope check. */
  async appOfEndpoint(id: string): Promise<string | undefined> {
    return (await this.deps.store.getEndpoint(id))?.appId;
  }

  async appOfDelivery(id: string): Promise<string | undefined> {
    return (await this.deps.store.getDelivery(id))?.appId;
  }

  private async load(id: string): Promise<WebhookEndpoint> {
    const e = await this.deps.store.getEndpoint(id);
    if (!e) throw new KeywardError('NOT_FOUND', 'webhook endpoint not found');
    return e;
  }

  private validate(input: EndpointInput, creating: boolean): void {
    const errors: { pointer: string; message: string }[] = [];
    if (creating && input.url === undefined) errors.push({ pointer: '/body/url', message: 'required' });
    if (input.url !== undefined) {
      const problem = endpointUrlProblem(input.url, this.deps.allowPrivateAddresses);
      if (problem) errors.push({ pointer: '/body/url', message: problem });
    }
    for (const [i, t] of (input.events ?? []).entries()) {
      if (!isWebhookEventType(t)) errors.push({ pointer: `/body/events/${i}`, message: `one of ${WEBHOOK_EVENT_TYPES.join(', ')}` });
    }
    if (input.description !== undefined && input.description.length > 256) errors.push({ pointer: '/body/description', message: 'at most 256 characters' });
    if (errors.length) throw new KeywardError('VALIDATION_FAILED', errors.map((e) => `${e.pointer}: ${e.message}`).join('; '), { errors });
  }
}
