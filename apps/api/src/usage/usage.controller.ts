import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UsageReports } from '@conduit/accounting';
import type { Request, Response } from 'express';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { UsageQuery } from './usage.dto';
import { presentUsage, usageCsv, usageCsvExample, usageExample } from './usage.presenter';

/** The caller's tenant's usage and cost, grouped, with totals; JSON or CSV (members and up). */
@ApiTags('Usage')
@Controller('v1/usage')
@TenantRoute('member')
export class UsageController {
  constructor(private readonly reports: UsageReports) {}

  @Get()
  @ApiOperation({
    summary: "The tenant's usage and cost, grouped, with totals",
    description: 'JSON, or CSV with `format=csv` or `Accept: text/csv` (one row per group, no totals row).',
  })
  @ApiOkResponse({
    description: 'The report',
    content: {
      'application/json': { example: usageExample },
      'text/csv': { schema: { type: 'string' }, example: usageCsvExample },
    },
  })
  @ApiErrors(400)
  async report(
    @Caller() caller: TenantCaller,
    @Query() query: UsageQuery,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const report = await this.reports.report(caller.tenantId, query);
    const accept = request.headers.accept ?? '';
    const csv = query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/i.test(accept));
    if (!csv) return presentUsage(report, query);
    const day = (date: Date) => date.toISOString().slice(0, 10);
    response
      .type('text/csv; charset=utf-8')
      .setHeader(
        'Content-Disposition',
        `attachment; filename="usage-${query.groupBy}-${day(query.from)}-${day(query.to)}.csv"`,
      );
    return usageCsv(report, query.groupBy);
  }
}
