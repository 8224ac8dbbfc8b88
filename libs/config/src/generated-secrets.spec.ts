import { AppConfig } from './app-config';
import { generateSecrets } from './generated-secrets';

describe('generateSecrets', () => {
  it('is a configuration production accepts, with a key dated the day it was made', () => {
    const secrets = generateSecrets(new Date('2026-03-04T12:00:00Z'));
    const config = new AppConfig({ NODE_ENV: 'production', ...secrets });
    expect(config.auth.platformAdminToken).toBe(secrets.PLATFORM_ADMIN_TOKEN);
    expect(config.vault.keys).toEqual([{ id: 'k20260304', key: expect.any(Buffer) }]);
    expect(config.vault.keys[0].key).toHaveLength(32);
  });

  it('is new each time', () => {
    const [a, b] = [generateSecrets(), generateSecrets()];
    for (const name of ['PLATFORM_ADMIN_TOKEN', 'OPERATOR_PASSWORD', 'VAULT_KEYS']) expect(a[name]).not.toBe(b[name]);
  });
});
