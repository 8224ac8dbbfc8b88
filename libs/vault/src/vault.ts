import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@conduit/config';

const ALGORITHM = 'aes-256-gcm';
const FORMAT = 'v1';
const IV_BYTES = 12;

interface MasterKey {
  id: string;
  key: Buffer;
}

interface Sealed {
  /** `v1.<key id>.<iv>.<tag>.<ciphertext>`, base64url parts. */
  ciphertext: string;
  keyId: string;
}

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

/**
 * Envelope for connection secrets: AES-256-GCM under a versioned master key from configuration.
 * The newest key seals; every configured key opens, so keys rotate without downtime.
 * `context` (e.g. the connection id) is bound as additional authenticated data: a sealed value
 * copied onto another row does not open there.
 */
@Injectable()
export class Vault {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: MasterKey;

  constructor(config: AppConfig) {
    this.keys = new Map(config.vault.keys.map((k) => [k.id, k.key]));
    this.current = config.vault.keys[0];
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plaintext: string, context: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.current.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [FORMAT, this.current.id, iv, cipher.getAuthTag(), body].map((p) =>
      typeof p === 'string' ? p : p.toString('base64url'),
    );
    return { ciphertext: parts.join('.'), keyId: this.current.id };
  }

  open(sealed: string, context: string): string {
    const [format, keyId, iv, tag, body] = sealed.split('.');
    if (format !== FORMAT || !keyId || !iv || !tag || body === undefined) throw new VaultError('not a sealed value');
    const key = this.keys.get(keyId);
    if (!key) throw new VaultError(`master key "${keyId}" is not configured (VAULT_KEYS)`);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError('the sealed value does not open with its key and context (tampered or moved)');
    }
  }

  /** The key id a sealed value was made with, without opening it. */
  keyIdOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
  }
}
