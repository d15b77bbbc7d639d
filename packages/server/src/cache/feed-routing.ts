import type { Logger } from 'pino';
import type { AppService } from '../apps/service.js';
import type { DeviceService } from '../devices/service.js';
import type { SessionService } from '../sessions/service.js';
import type { TokenService } from '../tokens/service.js';
import type { InvalidationBus } from './invalidation.js';

/**
 * Routes the change feed (this process's changes and every other node's, by the change watcher)
 * to the caches that are not the key cache: one subscription, so every message kind reaches the
 * same caches whichever way it came. `all` (an unknown or bulk change) drops every one of them.
 */
export function routeInvalidations(
  feed: InvalidationBus,
  caches: { readonly apps: AppService; readonly devices: DeviceService; readonly sessions: SessionService; readonly tokens: TokenService },
  logger: Logger,
): void {
  const { apps, devices, sessions, tokens } = caches;
  const refreshSigningKeys = () => tokens.signingKeysChanged().catch((err) => logger.error({ err }, 'signing key refresh failed'));
  feed.subscribe((m) => {
    if (m.type === 'app') apps.forget(m.appId);
    else if (m.type === 'device') devices.forget(m.deviceId);
    else if (m.type === 'session') sessions.invalidateSession(m.sessionId);
    else if (m.type === 'signing_keys') void refreshSigningKeys();
    else if (m.type === 'token') tokens.tokenRevoked(m.jti).catch((err) => logger.error({ err }, 'token revocation refresh failed'));
    else if (m.type === 'all') {
      apps.clear();
      devices.clearCache();
      sessions.clearCache();
      void refreshSigningKeys();
      tokens.revocationsChanged().catch((err) => logger.error({ err }, 'token revocation refresh failed'));
    }
  });
}
