import { Injectable } from '@nestjs/common';
import { AttemptEntity, TenantScope } from '@conduit/db';

export interface UsageSummary {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost: number;
}

/** Usage of something that made no call yet. */
export function emptyUsage(): UsageSummary {
  return { calls: 0, input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, cost: 0 };
}

/** Usage is always summed from the attempts, so what a tenant is shown is what was recorded. */
@Injectable()
export class UsageSummaries {
  constructor(private readonly scope: TenantScope) {}

  async forBatch(tenantId: string, batchId: string): Promise<UsageSummary> {
    const rows = await this.sum(tenantId, 'a.batch_id = :batchId', { batchId }, 'a.batch_id');
    return rows.get(batchId) ?? emptyUsage();
  }

  /** Usage per batch id, for listings. */
  forBatches(tenantId: string, batchIds: string[]): Promise<Map<string, UsageSummary>> {
    if (batchIds.length === 0) return Promise.resolve(new Map());
    return this.sum(tenantId, 'a.batch_id IN (:...batchIds)', { batchIds }, 'a.batch_id');
  }

  /** Usage per item id; items without attempts are absent from the map. */
  forItems(tenantId: string, itemIds: string[]): Promise<Map<string, UsageSummary>> {
    if (itemIds.length === 0) return Promise.resolve(new Map());
    return this.sum(tenantId, 'a.item_id IN (:...itemIds)', { itemIds }, 'a.item_id');
  }

  private async sum(
    tenantId: string,
    condition: string,
    parameters: Record<string, unknown>,
    groupBy: string,
  ): Promise<Map<string, UsageSummary>> {
    const rows = await this.scope
      .repository(AttemptEntity, tenantId)
      .queryBuilder('a')
      .select(groupBy, 'key')
      .addSelect('count(*)::int', 'calls')
      .addSelect('coalesce(sum(a.input_tokens), 0)::int', 'input_tokens')
      .addSelect('coalesce(sum(a.output_tokens), 0)::int', 'output_tokens')
      .addSelect('coalesce(sum(a.cached_tokens), 0)::int', 'cached_tokens')
      .addSelect('coalesce(sum(a.reasoning_tokens), 0)::int', 'reasoning_tokens')
      .addSelect('coalesce(sum(a.cost), 0)::float8', 'cost')
      .andWhere(condition, parameters)
      .groupBy(groupBy)
      .getRawMany<UsageSummary & { key: string }>();
    return new Map(rows.map(({ key, ...usage }) => [key, usage]));
  }
}
