import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Tokens a tenant spent this calendar month (UTC) on platform-managed connections: what its
 * plan's monthly budget is measured against. A tenant's own connections never count here.
 */
@Injectable()
export class PlatformBudget {
  constructor(private readonly dataSource: DataSource) {}

  async usedThisMonth(tenantId: string): Promise<number> {
    const [row] = await this.dataSource.query<{ used: string }[]>(
      `SELECT coalesce(sum(a.input_tokens + a.output_tokens), 0) AS used
         FROM attempts a
         JOIN provider_connections c ON c.id = a.connection_id AND c.tenant_id IS NULL
        WHERE a.tenant_id = $1
          AND a.created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
      [tenantId],
    );
    return Number(row.used);
  }
}
