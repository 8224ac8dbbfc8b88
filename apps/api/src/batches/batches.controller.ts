import { Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { decodeCursor, encodeCursor, idCursor, parseOrThrow, validationError } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { BatchesService } from '@conduit/jobs';
import type { Request, Response } from 'express';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { pageExample } from '../http/examples';
import { bodyLines, isJsonLines } from '../http/json-lines';
import { pageOf, PageQuery } from '../http/pagination';
import { UuidParam } from '../http/uuid-param.pipe';
import { BatchLinesQuery, ItemsQuery, SubmitBatchBody, submitBatchRequestBody } from './batch.dto';
import {
  acceptedBatchExample,
  batchExample,
  itemExample,
  presentBatch,
  presentItem,
  presentResultLine,
  resultLinesExample,
} from './batch.presenter';

const SUBMIT_DESCRIPTION = `All items are validated before anything is stored: one bad item rejects the batch with \`validation_failed\` and \`details\` naming every bad item. With \`Idempotency-Key\`, the same key and body return the same batch; another body is 409. A JSON Lines body past \`JSONL_BODY_LIMIT_MB\`, or with a line past \`JSONL_LINE_LIMIT_KB\` (default 4 MiB; \`details\` names the line), is 413.`;

@ApiTags('Batches')
@Controller('v1')
@TenantRoute('member')
export class BatchesController {
  constructor(
    private readonly batches: BatchesService,
    private readonly config: AppConfig,
  ) {}

  @Post('batches')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Submit a batch of items, as JSON or JSON Lines',
    description: SUBMIT_DESCRIPTION,
    requestBody: submitBatchRequestBody,
  })
  @ApiExtraModels(SubmitBatchBody)
  @ApiQuery({ type: BatchLinesQuery })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-255 visible ASCII characters' })
  @ApiAcceptedResponse({ description: 'Accepted', example: acceptedBatchExample })
  @ApiErrors(400, 409, 413)
  async submit(
    @Caller() caller: TenantCaller,
    @Req() request: Request,
    @Headers('Idempotency-Key') idempotencyKey?: string,
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
          parseOrThrow(BatchLinesQuery.schema, request.query),
          idempotencyKey,
        )
      : await this.batches.submit(caller, parseOrThrow(SubmitBatchBody.schema, request.body ?? {}), idempotencyKey);
    const { id, status, counts, created_at } = presentBatch(submitted);
    return { id, object: 'batch', status, counts, created_at };
  }

  @Get('batches')
  @ApiOperation({ summary: "List the tenant's batches" })
  @ApiOkResponse({ description: 'A page of batches', example: pageExample(batchExample) })
  @ApiErrors(400)
  async list(@Caller() caller: TenantCaller, @Query() query: PageQuery) {
    const batches = await this.batches.list(caller.tenantId, {
      after: decodeCursor(query.cursor, idCursor),
      limit: query.limit + 1,
    });
    return pageOf(batches, query.limit, presentBatch, (last) => encodeCursor(last.batch.id));
  }

  @Post('batches/:id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a batch',
    description: 'Queued items are cancelled at once; running ones finish; then the batch is `cancelled`.',
  })
  @ApiOkResponse({ description: 'The batch', example: { ...batchExample, status: 'cancelling' } })
  @ApiErrors(400, 404)
  async cancel(@Caller() caller: TenantCaller, @Param('id', new UuidParam('batch')) id: string) {
    return presentBatch(await this.batches.cancel(caller, id));
  }

  @Get('batches/:id')
  @ApiOperation({ summary: 'Get a batch: status, counts and usage' })
  @ApiOkResponse({ description: 'The batch', example: batchExample })
  @ApiErrors(400, 404)
  async get(@Caller() caller: TenantCaller, @Param('id', new UuidParam('batch')) id: string) {
    return presentBatch(await this.batches.get(caller.tenantId, id));
  }

  @Get('batches/:id/items')
  @ApiOperation({ summary: "A batch's items, optionally by status" })
  @ApiOkResponse({ description: 'A page of items', example: pageExample(itemExample) })
  @ApiErrors(400, 404)
  async items(
    @Caller() caller: TenantCaller,
    @Param('id', new UuidParam('batch')) id: string,
    @Query() query: ItemsQuery,
  ) {
    const page = await this.batches.listItems(caller.tenantId, id, query);
    return { data: page.data.map(presentItem), next_cursor: page.nextCursor };
  }

  /** Streamed page by page. */
  @Get('batches/:id/results')
  @ApiOperation({ summary: 'Results as JSON Lines, one line per finished item' })
  @ApiOkResponse({
    description: 'JSON Lines',
    content: { 'application/x-ndjson': { schema: { type: 'string' }, example: resultLinesExample } },
  })
  @ApiErrors(400, 404)
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
  @ApiOperation({ summary: 'Get one item' })
  @ApiOkResponse({ description: 'The item', example: itemExample })
  @ApiErrors(400, 404)
  async item(@Caller() caller: TenantCaller, @Param('id', new UuidParam('item')) id: string) {
    return presentItem(await this.batches.getItem(caller.tenantId, id));
  }
}
