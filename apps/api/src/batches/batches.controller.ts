import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ITEM_STATUSES } from '@conduit/db';
import { BatchesService, submitBatchSchema, type SubmitBatchInput } from '@conduit/jobs';

import type { Response } from 'express';
import { z } from 'zod';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { paginationQuery } from '../http/pagination';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { presentBatch, presentItem, presentResultLine } from './batch.presenter';

const itemsQuery = paginationQuery.extend({ status: z.enum(ITEM_STATUSES).optional() });

@Controller('v1')
@TenantRoute('member')
export class BatchesController {
  constructor(private readonly batches: BatchesService) {}

  @Post('batches')
  @HttpCode(HttpStatus.ACCEPTED)
  async submit(@Caller() caller: TenantCaller, @Body(new ZodPipe(submitBatchSchema)) body: SubmitBatchInput) {
    const submitted = await this.batches.submit(caller, body);
    const { id, status, counts, created_at } = presentBatch(submitted);
    return { id, object: 'batch', status, counts, created_at };
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
