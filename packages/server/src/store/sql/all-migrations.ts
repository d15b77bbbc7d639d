import { CORE_MIGRATIONS, type Migration } from './migrations.js';
import { SECRET_MIGRATIONS } from './secret-store.js';
import { SESSION_MIGRATIONS } from './session-store.js';
import { DEVICE_MIGRATIONS } from './device-store.js';
import { TOKEN_MIGRATIONS } from './migrations-tokens.js';
import { SHARED_MIGRATIONS } from './migrations-shared.js';
import { ANALYTICS_MIGRATIONS } from './analytics-store.js';
import { ANOMALY_MIGRATIONS } from './anomaly-store.js';
import { CONSOLE_MIGRATIONS } from './console-store.js';
import { SINGLE_USE_MIGRATIONS } from './single-use-store.js';
import { ATTESTATION_MIGRATIONS } from './attestation-store.js';
import { WEBHOOK_MIGRATIONS } from './webhook-store.js';
import { LEAK_MIGRATIONS } from './leak-store.js';
import { EVENT_SERIES_MIGRATIONS } from './event-series-store.js';

/**
 * Every feature's migrations, in version order. Version ranges: core 1–99, tokens 100–199,
 * sessions and devices 200–299, server-held secrets 300–399, shared
 * cross-process state (change log, replay cache, rate limits 400; single-use entries 450) 400–499,
 * verification analytics 500–599, webhooks 600–649, leak reports 650–699, app attestation 700–799,
 * anomaly detection 800–899, dashboard sessions 900–999. EVENT_SERIES_MIGRATIONS (the usage overview's
 * indexes) take one version in each indexed table's range.
 */
export const ALL_MIGRATIONS: readonly Migration[] = [...CORE_MIGRATIONS, ...TOKEN_MIGRATIONS, ...SESSION_MIGRATIONS, ...DEVICE_MIGRATIONS, ...SECRET_MIGRATIONS, ...SHARED_MIGRATIONS, ...SINGLE_USE_MIGRATIONS, ...ANALYTICS_MIGRATIONS, ...WEBHOOK_MIGRATIONS, ...LEAK_MIGRATIONS, ...ATTESTATION_MIGRATIONS, ...ANOMALY_MIGRATIONS, ...CONSOLE_MIGRATIONS, ...EVENT_SERIES_MIGRATIONS];
