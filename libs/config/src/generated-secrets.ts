import { randomBytes } from 'node:crypto';

/**
 * A new deployment's secrets, as environment variables: random values in the formats the
 * configuration requires outside development. The vault key's id carries its creation date, so a
 * later rotation can tell the keys apart.
 */
export function generateSecrets(now = new Date()): Record<string, string> {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return {
    PLATFORM_ADMIN_TOKEN: randomBytes(32).toString('base64url'),
    OPERATOR_USER: 'operator',
    OPERATOR_PASSWORD: randomBytes(24).toString('base64url'),
    VAULT_KEYS: `k${day}:${randomBytes(32).toString('base64')}`,
  };
}
