import { ApiParam } from '@nestjs/swagger';
import { USAGE_GROUPS, type UsageGroup } from '@conduit/accounting';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const DAY_MS = 86_400_000;

/** A date (`2025-11-01`, a whole UTC day) or a date-time with an offset. */
const when = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** `GET /v1/usage?from=&to=&group_by=&format=`: the range, by default the current UTC month, and the grouping. */
export class UsageQuery extends createZodDto(
  z
    .object({
      from: when
        .optional()
        .describe('Inclusive; a date or a date-time with an offset. Default: the start of this UTC month'),
      to: when.optional().describe('Exclusive, but a date includes that whole day. Default: the end of this UTC month'),
      group_by: z.enum(USAGE_GROUPS).default('day'),
      format: z.enum(['json', 'csv']).optional().describe('Default: CSV if `Accept` asks for `text/csv`, else JSON'),
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
    }),
) {}

function isDateOnly(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value);
}

const perMillion = z.number().min(0).max(1_000_000);

/**
 * `PUT …/connections/:id/prices/:model` (tenant and platform): USD per million tokens of each token
 * class. An optional rate omitted or null is derived from the others when a call is priced.
 */
export class PriceBody extends createZodDto(
  z
    .strictObject({
      input_per_million: perMillion.describe('Input neither read from nor written to the prompt cache'),
      output_per_million: perMillion.describe('Output that is not reasoning'),
      cached_input_per_million: perMillion.nullable().optional().describe('Cache reads; derived: the input rate'),
      cache_write_per_million: perMillion
        .nullable()
        .optional()
        .describe('Cache writes (5-minute lifetime); derived: 1.25× input for Claude models, else the input rate'),
      cache_write_1h_per_million: perMillion
        .nullable()
        .optional()
        .describe('1-hour cache writes; derived: 2× input for Claude models, else the 5-minute rate'),
      reasoning_per_million: perMillion
        .nullable()
        .optional()
        .describe('Reasoning (thinking) output; derived: the output rate'),
    })
    .meta({
      description:
        "USD per million tokens of each token class. A rate omitted or null is derived when a call is priced. A connection's price wins over the default of its kind.",
      examples: [
        {
          input_per_million: 3,
          output_per_million: 15,
          cached_input_per_million: 0.3,
          cache_write_per_million: 3.75,
          cache_write_1h_per_million: 6,
        },
      ],
    }),
) {}

/** The model name in the path (URL-encoded when it holds a `/`, e.g. `openai%2Fgpt-4o`). */
export const modelParam = z.string().trim().min(1).max(200);

export const ApiModelParam = () =>
  ApiParam({ name: 'model', example: 'gpt-4o-mini', description: 'URL-encoded: `openai/gpt-4o` is `openai%2Fgpt-4o`' });
