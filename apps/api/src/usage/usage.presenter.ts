import type { ConnectionPriceList, UsageGroup, UsageReport, UsageRow } from '@conduit/accounting';
import type { ModelPriceEntity } from '@conduit/db';
import { EXAMPLE_ID, EXAMPLE_TIME } from '../http/examples';

const USAGE_FIELDS = [
  'calls',
  'failed_calls',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'reasoning_tokens',
  'cost',
  'provider_cost',
] as const satisfies readonly (keyof UsageRow)[];

export function presentUsage(report: UsageReport, query: { from: Date; to: Date; groupBy: UsageGroup }) {
  return {
    object: 'usage',
    group_by: query.groupBy,
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    data: report.data,
    totals: report.totals,
  };
}

/**
 * The groups as CSV (RFC 4180): a header row named after the grouping, one row per group, CRLF
 * line ends. The totals are the sum of the rows, so they are not repeated.
 */
export function usageCsv(report: UsageReport, groupBy: UsageGroup): string {
  const lines = [[groupBy, ...USAGE_FIELDS].map(csvField).join(',')];
  for (const row of report.data) {
    lines.push([csvText(row.key), ...USAGE_FIELDS.map((field) => csvField(row[field]))].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A key from tenant data (an end user's id) never starts a spreadsheet formula. */
function csvText(value: string | null): string {
  if (value === null) return '';
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function presentPrice(price: ModelPriceEntity) {
  return {
    object: 'model_price',
    provider_kind: price.providerKind,
    model: price.model,
    connection_id: price.connectionId,
    source: price.connectionId ? 'connection' : 'default',
    input_per_million: Number(price.inputPerMillion),
    output_per_million: Number(price.outputPerMillion),
    cached_input_per_million: rate(price.cachedInputPerMillion),
    cache_write_per_million: rate(price.cacheWritePerMillion),
    cache_write_1h_per_million: rate(price.cacheWrite1hPerMillion),
    reasoning_per_million: rate(price.reasoningPerMillion),
    updated_at: price.updatedAt.toISOString(),
  };
}

/** A rate left unset is null: it is derived from the others when a call is priced. */
function rate(perMillion: string | null): number | null {
  return perMillion === null ? null : Number(perMillion);
}

/** The connection's own prices first, then the defaults of its kind that still apply. */
export function presentPriceList(list: ConnectionPriceList) {
  return { data: [...list.overrides, ...list.defaults].map(presentPrice), next_cursor: null };
}

export const priceExample = {
  object: 'model_price',
  provider_kind: 'openai',
  model: 'gpt-4o-mini',
  connection_id: EXAMPLE_ID,
  source: 'connection',
  input_per_million: 0.15,
  output_per_million: 0.6,
  cached_input_per_million: 0.075,
  cache_write_per_million: null,
  cache_write_1h_per_million: null,
  reasoning_per_million: null,
  updated_at: EXAMPLE_TIME,
} satisfies ReturnType<typeof presentPrice>;

const usageRow = {
  calls: 12,
  failed_calls: 1,
  input_tokens: 1200,
  output_tokens: 300,
  cached_tokens: 0,
  cache_write_tokens: 0,
  cache_write_1h_tokens: 0,
  reasoning_tokens: 0,
  cost: 0.0021,
  provider_cost: null,
};

export const usageExample = {
  object: 'usage',
  group_by: 'day',
  from: '2026-01-01T00:00:00.000Z',
  to: '2026-02-01T00:00:00.000Z',
  data: [{ key: '2026-01-15', ...usageRow }],
  totals: usageRow,
} satisfies ReturnType<typeof presentUsage>;

export const usageCsvExample =
  'day,calls,failed_calls,input_tokens,output_tokens,cached_tokens,cache_write_tokens,cache_write_1h_tokens,reasoning_tokens,cost,provider_cost\r\n' +
  '2026-01-15,12,1,1200,300,0,0,0,0,0.0021,\r\n';
