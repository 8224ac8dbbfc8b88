import { Injectable } from '@nestjs/common';
import { Vault } from '@conduit/vault';
import type { ConnectionSecret } from './completion';

/** The secret fields of a connection. Each is sealed on its own, so one can change without opening the others. */
interface SecretFields {
  api_key?: string;
  base_url?: string;
}

type SealedFields = Partial<Record<keyof SecretFields, string>>;

/**
 * Seals connection secrets with the vault before they are stored, and opens them only for a
 * provider call or a connection test. Each field's context is `<connection id>:<field>`, so a
 * sealed value copied to another connection or field does not open.
 */
@Injectable()
export class ConnectionSecrets {
  constructor(private readonly vault: Vault) {}

  /** Seals `changes` over an existing sealed record (null = remove the field). */
  seal(connectionId: string, existing: string | null, changes: Partial<Record<keyof SecretFields, string | null>>) {
    const sealed: SealedFields = existing ? (JSON.parse(existing) as SealedFields) : {};
    for (const [field, value] of Object.entries(changes) as [keyof SecretFields, string | null | undefined][]) {
      if (value === undefined) continue;
      if (value === null) delete sealed[field];
      else sealed[field] = this.vault.seal(value, `${connectionId}:${field}`).ciphertext;
    }
    const empty = Object.keys(sealed).length === 0;
    return { ciphertext: empty ? null : JSON.stringify(sealed), keyId: empty ? null : this.vault.currentKeyId };
  }

  open(connectionId: string, ciphertext: string | null): SecretFields {
    if (!ciphertext) return {};
    const sealed = JSON.parse(ciphertext) as SealedFields;
    const fields: SecretFields = {};
    for (const [field, value] of Object.entries(sealed) as [keyof SecretFields, string][]) {
      fields[field] = this.vault.open(value, `${connectionId}:${field}`);
    }
    return fields;
  }

  /** Re-seals every field under the newest master key (`npm run vault:rotate`). */
  reseal(connectionId: string, ciphertext: string): { ciphertext: string; keyId: string } {
    const fields = this.open(connectionId, ciphertext);
    const resealed = this.seal(connectionId, null, fields);
    return { ciphertext: resealed.ciphertext as string, keyId: resealed.keyId as string };
  }

  get currentKeyId(): string {
    return this.vault.currentKeyId;
  }

  /** What an adapter gets: the key in the form its kind uses. */
  static toAdapterSecret(kind: string, settings: Record<string, unknown>, fields: SecretFields): ConnectionSecret {
    if (kind === 'bedrock' && settings.auth !== 'api_key') return { awsSecretAccessKey: fields.api_key };
    return { apiKey: fields.api_key };
  }
}

/** `…a1b2`: all a response ever shows of a key. */
export function secretHint(key: string): string {
  return `…${key.slice(-4)}`;
}
