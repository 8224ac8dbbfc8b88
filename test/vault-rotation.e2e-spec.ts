import { randomBytes } from 'node:crypto';
import { ProviderConnectionEntity } from '@conduit/db';
import { ConnectionResolver, SecretRotation } from '@conduit/providers';
import { DataSource } from 'typeorm';
import { ApiClient } from './support/api-client';
import { overrideEnv } from './support/env';
import { startSystem, type TestSystem } from './support/test-system';

describe('master key rotation', () => {
  const oldKeys = process.env.VAULT_KEYS as string;
  let before: TestSystem;
  let after: TestSystem | undefined;
  let restoreEnv = () => {};

  beforeAll(async () => {
    before = await startSystem({ worker: false });
  });

  afterAll(async () => {
    restoreEnv();
    await after?.close();
    await before.close();
  });

  it('re-seals every secret under the newest key while the old key still opens them during the change', async () => {
    const tenant = await ApiClient.newTenant(before.http);
    const apiKey = `sk-rotate-${randomBytes(8).toString('hex')}`;
    const { id } = (
      await tenant.post('/v1/connections', { name: 'rotating', kind: 'openai', api_key: apiKey }).expect(201)
    ).body;
    const db = before.api.get(DataSource);
    const version = async () =>
      (await db.query('SELECT secret_key_version AS v FROM provider_connections WHERE id = $1', [id]))[0].v;
    expect(await version()).toBe(oldKeys.split(':')[0]);

    // The operator puts a new key first and keeps the old one: the system keeps serving with both.
    restoreEnv = overrideEnv({ VAULT_KEYS: `next:${randomBytes(32).toString('base64')},${oldKeys}` });
    after = await startSystem({ worker: false });
    const report = await after.api.get(SecretRotation).rotateAll();
    expect(report.rotated).toBeGreaterThanOrEqual(1);
    expect(await version()).toBe('next');

    const [row] = await db.query('SELECT secret_ciphertext FROM provider_connections WHERE id = $1', [id]);
    expect(row.secret_ciphertext).not.toContain(apiKey);
    const entity = await db.getRepository(ProviderConnectionEntity).findOneByOrFail({ id });
    expect(after.api.get(ConnectionResolver).open(entity).secret.apiKey).toBe(apiKey);

    // Run again: nothing left to do.
    expect((await after.api.get(SecretRotation).rotateAll()).rotated).toBe(0);
  });
});
