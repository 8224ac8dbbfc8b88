import { randomBytes } from 'node:crypto';
import { AppConfig } from '@conduit/config';
import { Vault, VaultError } from './vault';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const vaultWith = (keys: string) => new Vault(new AppConfig({ VAULT_KEYS: keys }));

describe('Vault', () => {
  const vault = vaultWith(`k2:${key(2)},k1:${key(1)}`);

  it('round-trips a secret and never stores it in the clear', () => {
    const secret = `sk-${randomBytes(16).toString('hex')}`;
    const sealed = vault.seal(secret, 'connection-1');
    expect(sealed.keyId).toBe('k2');
    expect(sealed.ciphertext).not.toContain(secret);
    expect(vault.open(sealed.ciphertext, 'connection-1')).toBe(secret);
  });

  it('uses a fresh IV each time', () => {
    expect(vault.seal('same', 'c').ciphertext).not.toBe(vault.seal('same', 'c').ciphertext);
  });

  it('refuses a value moved to another context or tampered with', () => {
    const { ciphertext } = vault.seal('secret', 'connection-1');
    expect(() => vault.open(ciphertext, 'connection-2')).toThrow(VaultError);
    const parts = ciphertext.split('.');
    parts[4] = Buffer.from('other').toString('base64url');
    expect(() => vault.open(parts.join('.'), 'connection-1')).toThrow(VaultError);
  });

  it('opens values sealed under an older key, and seals new ones under the newest', () => {
    const old = vaultWith(`k1:${key(1)}`).seal('legacy', 'c');
    expect(vault.open(old.ciphertext, 'c')).toBe('legacy');
    expect(vault.keyIdOf(old.ciphertext)).toBe('k1');
  });

  it('names a missing master key without revealing anything else', () => {
    const sealed = vaultWith(`k9:${key(9)}`).seal('x', 'c');
    expect(() => vault.open(sealed.ciphertext, 'c')).toThrow(/"k9" is not configured/);
  });
});
