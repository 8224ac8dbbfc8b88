import { Injectable } from '@nestjs/common';
import { AttemptEntity, BatchEntity, ItemEntity, TenantScope } from '@conduit/db';

export const USAGE_GROUPS = ['day', 'connection', 'model', 'task', 'api_key', 'user'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageRow {
  calls: number;
  /** Calls whose outcome is not `success` (failed, refused, or still in flight). */
  failed_calls: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  /** Input written to the prompt cache, of which `cache_write_1h_tokens` for an hour. */
  cache_write_tokens: number;
  cache_write_1h_tokens: number;
  reasoning_tokens: number;
  /** USD, from the price table. */
  cost: number;
  /** USD as the provider reported it; null when no call in the group reported one. */
  provider_cost: number | null;
}

interface UsageGroupRow extends UsageRow {
  /** The day (`YYYY-MM-DD`, UTC), connection id, model, task, API key id or end user; null when unknown. */
  key: string | null;
}

export interface UsageReport {
  data: UsageGroupRow[];
  totals: UsageRow;
}

interface UsageQuery {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  groupBy: UsageGroup;
}

/** The SQL key of each grouping, and the table it needs joined. */
const GROUP_KEYS: Record<UsageGroup, { key: string; join?: 'items' | 'batches' }> = {
  day: { key: `to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')` },
  connection: { key: 'a.connection_id::text' },
  model: { key: 'a.model' },
  task: { key: 'i.task', join: 'items' },
  api_key: { key: 'b.api_key_id::text', join: 'batches' },
  user: { key: 'b.end_user', join: 'batches' },
};

const EMPTY: UsageRow = {
  calls: 0,
  failed_calls: 0,
  input_tokens: 0,
  output_tokens: 0,
  cached_tokens: 0,
  cache_write_tokens: 0,
  cache_write_1h_tokens: 0,
  reasoning_tokens: 0,
  cost: 0,
  provider_cost: null,
};

type RawRow = Record<keyof UsageRow, string | number | null> & { key: string | null; is_total: number };

/**
 * A tenant's usage over a period, grouped, with totals — summed from its `attempts` rows (every
 * call on the wire, failed ones included), so the report is what was recorded. Groups and totals
 * come from one statement (`GROUPING SETS`), so the totals are always the sum of the groups.
 */
@Injectable()
export class UsageReports {
  constructor(private readonly scope: TenantScope) {}

  async report(tenantId: string, query: UsageQuery): Promise<UsageReport> {
    const group = GROUP_KEYS[query.groupBy];
    let builder = this.scope
      .repository(AttemptEntity, tenantId)
      .queryBuilder('a')
      .select(group.key, 'key')
      .addSelect(`GROUPING(${group.key})::int`, 'is_total')
      .addSelect('count(*)::bigint', 'calls')
      .addSelect(`count(*) FILTER (WHERE a.outcome <> 'success')::bigint`, 'failed_calls')
      .addSelect('coalesce(sum(a.input_tokens), 0)::bigint', 'input_tokens')
      .addSelect('coalesce(sum(a.output_tokens), 0)::bigint', 'output_tokens')
      .addSelect('coalesce(sum(a.cached_tokens), 0)::bigint', 'cached_tokens')
      .addSelect('coalesce(sum(a.cache_write_tokens), 0)::bigint', 'cache_write_tokens')
      .addSelect('coalesce(sum(a.cache_write_1h_tokens), 0)::bigint', 'cache_write_1h_tokens')
      .addSelect('coalesce(sum(a.reasoning_tokens), 0)::bigint', 'reasoning_tokens')
      .addSelect('coalesce(sum(a.cost), 0)', 'cost')
      .addSelect('sum(a.provider_cost)', 'provider_cost');
    if (group.join === 'items') {
      builder = builder.innerJoin(ItemEntity, 'i', 'i.id = a.item_id AND i.tenant_id = a.tenant_id');
    } else if (group.join === 'batches') {
      builder = builder.innerJoin(BatchEntity, 'b', 'b.id = a.batch_id AND b.tenant_id = a.tenant_id');
    }
    const rows = await builder
      .andWhere('a.created_at >= :from AND a.created_at < :to', { from: query.from, to: query.to })
      .groupBy(`GROUPING SETS ((${group.key}), ())`)
      .orderBy('is_total', 'ASC')
      .addOrderBy('key', 'ASC', 'NULLS LAST')
      .getRawMany<RawRow>();

    const data: UsageGroupRow[] = [];
    let totals: UsageRow = { ...EMPTY };
    for (const row of rows) {
      if (Number(row.is_total) === 1) totals = toUsageRow(row);
      else data.push({ key: row.key, ...toUsageRow(row) });
    }
    return { data, totals };
  }
}

function toUsageRow(row: RawRow): UsageRow {
  return {
    calls: Number(row.calls),
    failed_calls: Number(row.failed_calls),
    input_tokens: Number(row.input_tokens),
    output_tokens: Number(row.output_tokens),
    cached_tokens: Number(row.cached_tokens),
    cache_write_tokens: Number(row.cache_write_tokens),
    cache_write_1h_tokens: Number(row.cache_write_1h_tokens),
    reasoning_tokens: Number(row.reasoning_tokens),
    cost: Number(row.cost),
    provider_cost: row.provider_cost === null ? null : Number(row.provider_cost),
  };
}
