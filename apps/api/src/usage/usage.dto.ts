import { USAGE_GROUPS, type UsageGroup } from '@conduit/accounting';
import { z } from 'zod';

const DAY_MS = 86_400_000;

/** A date (`2025-11-01`, a whole UTC day) or a date-time with an offset. */
const when = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/**
 * `GET /v1/usage?from=&to=&group_by=&format=`. `from` is inclusive; `to` is exclusive, except that
 * a date (no time) includes that whole day. Both default to the current UTC month.
 */
export const usageQuery = z
  .object({
    from: when.optional(),
    to: when.optional(),
    group_by: z.enum(USAGE_GROUPS).default('day'),
    format: z.enum(['json', 'csv']).optional(),
  })
  .transform((query, ctx) => {
    const now = new Date();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const nextMonthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const from = query.from === undefined ? monthStart : new Date(query.from);
    const to =
      query.to === undefined
        ? nextMonthStart
        : new Date(new Date(query.to).getTime() + (isDateOnly(query.to) ? DAY_MS : 0));
    if (to.getTime() <= from.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
      return z.NEVER;
    }
    return { from, to, groupBy: query.group_by as UsageGroup, format: query.format };
  });
export type UsageQueryInput = z.output<typeof usageQuery>;

function isDateOnly(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value);
}

const perMillion = z.number().min(0).max(1_000_000);

/**
 * `PUT …/connections/:id/prices/:model` (tenant and platform): USD per million tokens of each token
 * class. An optional rate omitted or null is derived from the others when a call is priced.
 */
export const priceBody = z.strictObject({
  input_per_million: perMillion,
  output_per_million: perMillion,
  /** Cache reads; derived: the input rate. */
  cached_input_per_million: perMillion.nullable().optional(),
  /** Cache writes (5-minute lifetime); derived: 1.25× input for Claude models, else the input rate. */
  cache_write_per_million: perMillion.nullable().optional(),
  /** 1-hour cache writes; derived: 2× input for Claude models, else the 5-minute rate. */
  cache_write_1h_per_million: perMillion.nullable().optional(),
  /** Reasoning (thinking) output; derived: the output rate. */
  reasoning_per_million: perMillion.nullable().optional(),
});
export type PriceBody = z.infer<typeof priceBody>;

/** The model name in the path (URL-encoded when it holds a `/`, e.g. `openai%2Fgpt-4o`). */
export const modelParam = z.string().trim().min(1).max(200);
