import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { RoutingDryRun, RoutingPoliciesService } from '@conduit/routing';

import { z } from 'zod';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { pageOf, paginationQuery } from '../http/pagination';
import { ZodPipe } from '../http/zod.pipe';
import { presentPolicy } from './routing.presenter';

export const putPolicyBody = z.strictObject({
  targets: z
    .array(
      z.strictObject({
        connection_id: z.uuid(),
        model: z.string().trim().min(1).max(200),
        params: z
          .strictObject({
            temperature: z.number().min(0).max(2).optional(),
            max_output_tokens: z.number().int().min(1).max(200_000).optional(),
          })
          .optional(),
        timeout_ms: z.number().int().min(100).max(600_000).optional(),
        max_retries: z.number().int().min(0).max(10).optional(),
      }),
    )
    .min(1, 'must list at least one target')
    .max(10, 'must list at most 10 targets'),
  constraints: z.strictObject({ region: z.string().trim().min(1).max(64).optional() }).optional(),
});

export const versionsQuery = paginationQuery.extend({ cursor: z.coerce.number().int().positive().optional() });

@Controller('v1/routing')
@TenantRoute('admin')
export class RoutingController {
  constructor(
    private readonly policies: RoutingPoliciesService,
    private readonly dryRun: RoutingDryRun,
  ) {}

  @Get()
  async current(@Caller() caller: TenantCaller) {
    const policies = await this.policies.currentAll(caller.tenantId);
    return { data: Object.entries(policies).map(([task, policy]) => presentPolicy(task, policy)) };
  }

  /** History, newest first. The cursor is the last version shown. */
  @Get(':task/versions')
  async versions(
    @Caller() caller: TenantCaller,
    @Param('task') task: string,
    @Query(new ZodPipe(versionsQuery)) query: z.infer<typeof versionsQuery>,
  ) {
    const versions = await this.policies.versions(caller.tenantId, task, {
      beforeVersion: query.cursor,
      limit: query.limit + 1,
    });
    return pageOf(
      versions,
      query.limit,
      (p) => presentPolicy(p.task, p),
      (last) => String(last.version),
    );
  }

  /** Which target would be chosen now, and why the others would be skipped. Calls nothing. */
  @Post(':task/dry-run')
  @HttpCode(HttpStatus.OK)
  dryRunPolicy(@Caller() caller: TenantCaller, @Param('task') task: string) {
    return this.dryRun.run(caller.tenantId, task);
  }

  /** Replaces a task's targets; the result is a new version and the old one stays in history. */
  @Put(':task')
  async put(
    @Caller() caller: TenantCaller,
    @Param('task') task: string,
    @Body(new ZodPipe(putPolicyBody)) body: z.infer<typeof putPolicyBody>,
  ) {
    const policy = await this.policies.put(caller, caller.tenantId, task, body);
    return presentPolicy(policy.task, policy);
  }
}
