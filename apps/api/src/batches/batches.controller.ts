import { Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { decodeCursor, encodeCursor, idCursor, findInputProblem, parseOrThrow, validationError } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { ITEM_STATUSES } from '@conduit/db';
import { BatchesService, submitBatchSchema } from '@conduit/jobs';

import type { Request, Response } from 'express';
import { z } from 'zod';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { bodyLines, isJsonLines } from '../http/json-lines';
import { pageOf, paginationQuery } from '../http/pagination';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { presentBatch, presentItem, presentResultLine } from './batch.presenter';

export const itemsQuery = paginationQuery.extend({ status: z.enum(ITEM_STATUSES).optional() });

/**
 * A JSON Lines upload's batch fields, as query parameters (`metadata` as a JSON object string,
 * which passes the input rule once parsed, as a JSON body would).
 */
const linesQuery = submitBatchSchema.omit({ items: true, metadata: true }).extend({
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
    .optional(),
});

@Controller('v1')
@TenantRoute('member')
export class BatchesController {
  constructor(
    private readonly batches: BatchesService,
    private readonly config: AppConfig,
  ) {}

  /**
   * A JSON body `{items, ...}`, or JSON Lines (`application/x-ndjson`, one item per line, the batch
   * fields as query parameters). With `Idempotency-Key`, the same key and body return the same
   * batch; another body is 409.
   */
  @Post('batches')
  @HttpCode(HttpStatus.ACCEPTED)
  async submit(
    @Caller() caller: TenantCaller,
    @Req() request: Request,
    @Query() query: unknown,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw validationError([{ path: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }]);
    }
    const submitted = isJsonLines(request)
      ? await this.batches.submitLines(
          caller,
          bodyLines(request, {
            bodyBytes: this.config.http.jsonLinesLimitBytes,
            lineBytes: this.config.http.jsonLinesLineLimitBytes,
          }),
          parseOrThrow(linesQuery, query),
          idempotencyKey,
        )
      : await this.batches.submit(caller, parseOrThrow(submitBatchSchema, request.body ?? {}), idempotencyKey);
    const { id, status, counts, created_at } = presentBatch(submitted);
    return { id, object: 'batch', status, counts, created_at };
  }

  @Get('batches')
  async list(
    @Caller() caller: TenantCaller,
    @Query(new ZodPipe(paginationQuery)) query: z.infer<typeof paginationQuery>,
  ) {
    const batches = await this.batches.list(caller.tenantId, {
      after: decodeCursor(query.cursor, idCursor),
      limit: query.limit + 1,
    });
    return pageOf(batches, query.limit, presentBatch, (last) => encodeCursor(last.batch.id));
  }

  /** Queued items are cancelled at once; running ones finish; then the batch is `cancelled`. */
  @Post('batches/:id/cancel')
  @HttpCode(HttpStatus.OK)
  async cancel(@Caller() caller: TenantCaller, @Param('id', new UuidParam('batch')) id: string) {
    return presentBatch(await this.batches.cancel(caller, id));
  }

  @Get('batches/:id')
  async get(@Caller() caller: TenantCaller, @Param('id', new UuidParam('batch')) id: string) {
    return presentBatch(await this.batches.get(caller.tenantId, id));
  }

  @Get('batches/:id/items')
  async items(
    @Caller() caller: TenantCaller,
    @Param('id', new UuidParam('batch')) id: string,
    @Query(new ZodPipe(itemsQuery)) query: z.infer<typeof itemsQuery>,
  ) {
    const page = await this.batches.listItems(caller.tenantId, id, query);
    return { data: page.data.map(presentItem), next_cursor: page.nextCursor };
  }

  /** JSON Lines, one per finished item, streamed page by page. */
  @Get('batches/:id/results')
  async results(
    @Caller() caller: TenantCaller,
    @Param('id', new UuidParam('batch')) id: string,
    @Res() response: Response,
  ): Promise<void> {
    const lines = this.batches.finishedItems(caller.tenantId, id);
    // Pull the first line before answering, so an unknown batch is still a clean 404.
    let next = await lines.next();
    response.status(HttpStatus.OK).type('application/x-ndjson');
    while (!next.done) {
      if (!response.write(`${JSON.stringify(presentResultLine(next.value))}\n`)) {
        await new Promise((resolve) => response.once('drain', resolve));
      }
      next = await lines.next();
    }
    response.end();
  }

  @Get('items/:id')
  async item(@Caller() caller: TenantCaller, @Param('id', new UuidParam('item')) id: string) {
    return presentItem(await this.batches.getItem(caller.tenantId, id));
  }
}
