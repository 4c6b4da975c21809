import webpush from 'web-push';
import { ConfigError, type NotificationsConfig } from '../config/config.js';
import type { DatabaseHandle } from '../database/database.js';
import { generatedSecret } from '../instance/generated-secret.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  /** Made by the service (none configured) and kept in the database, shared by every instance. */
  generated: boolean;
}

/**
 * The VAPID key pair that signs every push. A browser's subscription is bound to the public key, so every
 * instance must use the same pair for as long as subscriptions exist: a configured one, or one generated
 * on the first boot and kept like the generated JWT secret.
 */
export async function settleVapidKeys(
  push: NotificationsConfig['push'],
  database: DatabaseHandle,
  dataDir: string,
): Promise<VapidKeys> {
  if (push.configuredVapid) {
    const { publicKey, privateKey } = push.configuredVapid;
    if (!isKeyOfLength(publicKey, 65) || !isKeyOfLength(privateKey, 32)) {
      throw new ConfigError(
        'Invalid configuration:\n  VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: must be a P-256 key pair in base64url (npx web-push generate-vapid-keys)',
      );
    }
    return { publicKey, privateKey, generated: false };
  }
  const stored = await generatedSecret(database, 'vapid-keys', dataDir, () =>
    JSON.stringify(webpush.generateVAPIDKeys()),
  );
  const { publicKey, privateKey } = JSON.parse(stored) as { publicKey: string; privateKey: string };
  return { publicKey, privateKey, generated: true };
}

function isKeyOfLength(text: string, bytes: number): boolean {
  return /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, 'base64url').length === bytes;
}
