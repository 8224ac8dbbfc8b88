import { findInputProblem } from '@conduit/common';
import { ITEM_STATUSES } from '@conduit/db';
import { submitBatchSchema } from '@conduit/jobs';
import { getSchemaPath, type RequestBodyObject } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { paginationQuery } from '../http/pagination';

const item = { custom_id: 'doc-1', task: 'summarization', input: { text: 'A long text…', max_words: 60 } };

/** `POST /v1/batches` with a JSON body. */
export class SubmitBatchBody extends createZodDto(
  submitBatchSchema.meta({
    examples: [
      {
        items: [item],
        webhook_url: 'https://example.com/hooks/conduit',
        metadata: { source: 'crm' },
        user: 'end-user-42',
      },
    ],
  }),
) {}

const LINES_ONLY = 'With a JSON Lines body only (a JSON body holds its own)';

/**
 * The batch fields of a JSON Lines upload, as query parameters (`metadata` as a JSON object string,
 * which passes the input rule once parsed, as a JSON body would).
 */
export class BatchLinesQuery extends createZodDto(
  submitBatchSchema.omit({ items: true }).extend({
    webhook_url: submitBatchSchema.shape.webhook_url.describe(LINES_ONLY),
    user: submitBatchSchema.shape.user.describe(LINES_ONLY),
    metadata: z
      .string()
      .transform((raw, ctx) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
          return z.NEVER;
        }
        const problem = findInputProblem(parsed);
        if (problem === undefined) return parsed;
        ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
        return z.NEVER;
      })
      .pipe(submitBatchSchema.shape.metadata.unwrap())
      .optional()
      .describe(`${LINES_ONLY}: a JSON object, e.g. \`{"source":"crm"}\``),
  }),
) {}

const jsonLinesExample = [item, { ...item, custom_id: 'doc-2', input: { text: 'Another text…' } }]
  .map((line) => `${JSON.stringify(line)}\n`)
  .join('');

/**
 * The two forms of `POST /v1/batches`. JSON Lines is a file upload (`format: binary`): the
 * explorer then sends a file's bytes as they are, where it would quote a text example as JSON.
 */
export const submitBatchRequestBody: RequestBodyObject = {
  required: true,
  description: `A JSON body \`{items, …}\`, or a JSON Lines file (\`application/x-ndjson\`, up to 100,000 items) with one item per line and the batch fields as query parameters:

\`\`\`
${jsonLinesExample}\`\`\``,
  content: {
    'application/json': { schema: { $ref: getSchemaPath(SubmitBatchBody) } },
    'application/x-ndjson': { schema: { type: 'string', format: 'binary' }, example: jsonLinesExample },
  },
};

export class ItemsQuery extends createZodDto(paginationQuery.extend({ status: z.enum(ITEM_STATUSES).optional() })) {}
