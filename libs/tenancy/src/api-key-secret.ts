import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'cdt_';
const VISIBLE_PREFIX_LENGTH = 12;

interface NewApiKeySecret {
  /** The plain key: returned to the caller once, never stored. */
  key: string;
  /** Its first characters, stored and shown so a person can tell keys apart. */
  prefix: string;
  hash: string;
}

/** sha-256 is enough here: keys are 256 random bits, so there is nothing to brute-force. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKeySecret(): NewApiKeySecret {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, VISIBLE_PREFIX_LENGTH), hash: hashApiKey(key) };
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(KEY_PREFIX) && value.length > VISIBLE_PREFIX_LENGTH;
}
