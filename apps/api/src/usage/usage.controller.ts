import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { UsageReports } from '@conduit/accounting';
import type { Response } from 'express';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { ZodPipe } from '../http/zod.pipe';
import { usageQuery, type UsageQueryInput } from './usage.dto';
import { presentUsage, usageCsv } from './usage.presenter';

/** The caller's tenant's usage and cost, grouped, with totals; JSON or CSV (members and up). */
@Controller('v1/usage')
@TenantRoute('member')
export class UsageController {
  constructor(private readonly reports: UsageReports) {}

  @Get()
  async report(
    @Caller() caller: TenantCaller,
    @Query(new ZodPipe(usageQuery)) query: UsageQueryInput,
    @Res({ passthrough: true }) response: Response,
    @Headers('accept') accept?: string,
  ) {
    const report = await this.reports.report(caller.tenantId, query);
    const csv = query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/i.test(accept ?? ''));
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
