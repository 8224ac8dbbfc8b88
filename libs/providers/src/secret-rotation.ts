import { Injectable, Logger } from '@nestjs/common';
import { ProviderConnectionEntity } from '@conduit/db';
import { DataSource } from 'typeorm';
import { ConnectionSecrets } from './connection-secrets';

const BATCH = 100;

interface RotationReport {
  rotated: number;
  alreadyCurrent: number;
}

/**
 * Re-seals every connection secret under the newest master key (`npm run vault:rotate`).
 * Safe while the system runs: every configured key still opens old values, and each row is
 * rewritten only if it has not changed since it was read.
 */
@Injectable()
export class SecretRotation {
  private readonly logger = new Logger(SecretRotation.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: ConnectionSecrets,
  ) {}

  async rotateAll(): Promise<RotationReport> {
    const repository = this.dataSource.getRepository(ProviderConnectionEntity);
    const current = this.secrets.currentKeyId;
    const report: RotationReport = { rotated: 0, alreadyCurrent: 0 };
    for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
      const rows = await repository
        .createQueryBuilder('c')
        .select(['c.id', 'c.secretCiphertext', 'c.secretKeyVersion'])
        .where('c.secret_ciphertext IS NOT NULL AND c.id > :after', { after })
        .orderBy('c.id')
        .limit(BATCH)
        .getMany();
      if (rows.length === 0) return report;
      for (const row of rows) {
        if (row.secretKeyVersion === current) {
          report.alreadyCurrent += 1;
          continue;
        }
        const resealed = this.secrets.reseal(row.id, row.secretCiphertext as string);
        const result = await repository.update(
          { id: row.id, secretCiphertext: row.secretCiphertext as string },
          { secretCiphertext: resealed.ciphertext, secretKeyVersion: resealed.keyId },
        );
        // 0 rows: changed meanwhile (a key rotation by PATCH seals under the newest key anyway).
        report.rotated += result.affected ?? 0;
      }
      after = rows[rows.length - 1].id;
      this.logger.log(`re-sealed ${report.rotated} connection secrets so far`);
    }
  }
}
