import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigModule } from '@conduit/config';
import { DbModule } from '@conduit/db';
import { ProvidersModule, SecretRotation } from '@conduit/providers';

@Module({ imports: [ConfigModule.forRoot(), DbModule, ProvidersModule] })
class VaultRotationModule {}

/**
 * `vault-rotate`: re-seals every connection secret under the newest key in VAULT_KEYS. Put the new
 * key first in VAULT_KEYS (keep the old ones), restart the apps, run this, then the old keys can
 * be removed. Safe to run while the system is serving.
 */
export async function rotateVaultKey(): Promise<void> {
  const app = await NestFactory.createApplicationContext(VaultRotationModule, { logger: ['error', 'warn'] });
  try {
    const report = await app.get(SecretRotation).rotateAll();
    console.log(`Re-sealed ${report.rotated} connection secrets; ${report.alreadyCurrent} were already current.`);
  } finally {
    await app.close();
  }
}
