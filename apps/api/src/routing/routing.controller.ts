import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { RoutingDryRun, RoutingPoliciesService } from '@conduit/routing';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { EXAMPLE_ID, pageExample } from '../http/examples';
import { pageOf, paginationQuery } from '../http/pagination';
import { dryRunExample, policyExample, presentPolicy } from './routing.presenter';

export class PutPolicyBody extends createZodDto(
  z
    .strictObject({
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
    })
    .meta({
      examples: [
        {
          targets: [{ connection_id: EXAMPLE_ID, model: 'gpt-4o-mini', params: { temperature: 0 }, timeout_ms: 30000 }],
          constraints: { region: 'eu' },
        },
      ],
    }),
) {}

/** History, newest first. The cursor is the last version shown. */
export class VersionsQuery extends createZodDto(
  paginationQuery.extend({ cursor: z.coerce.number().int().positive().optional() }),
) {}

const ApiTaskParam = () => ApiParam({ name: 'task', example: 'summarization' });

@ApiTags('Routing')
@Controller('v1/routing')
@TenantRoute('admin')
export class RoutingController {
  constructor(
    private readonly policies: RoutingPoliciesService,
    private readonly dryRun: RoutingDryRun,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The current policy of every task kind' })
  @ApiOkResponse({ description: 'Policies', example: { data: [policyExample] } })
  async current(@Caller() caller: TenantCaller) {
    const policies = await this.policies.currentAll(caller.tenantId);
    return { data: Object.entries(policies).map(([task, policy]) => presentPolicy(task, policy)) };
  }

  @Get(':task/versions')
  @ApiOperation({ summary: "A task's policy history, newest first" })
  @ApiTaskParam()
  @ApiOkResponse({ description: 'A page of versions', example: pageExample(policyExample) })
  @ApiErrors(400)
  async versions(@Caller() caller: TenantCaller, @Param('task') task: string, @Query() query: VersionsQuery) {
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

  @Post(':task/dry-run')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Which target would be chosen now, and why the others would be skipped',
    description: 'Reads the breakers, limits and connections as they are; calls nothing and reserves nothing.',
  })
  @ApiTaskParam()
  @ApiOkResponse({ description: 'The verdict per target', example: dryRunExample })
  @ApiErrors(400)
  dryRunPolicy(@Caller() caller: TenantCaller, @Param('task') task: string) {
    return this.dryRun.run(caller.tenantId, task);
  }

  @Put(':task')
  @ApiOperation({
    summary: "Replace a task's targets",
    description: 'The result is a new version; targets are tried in order, and the old version stays in history.',
  })
  @ApiTaskParam()
  @ApiOkResponse({ description: 'The new version', example: policyExample })
  @ApiErrors(400)
  async put(@Caller() caller: TenantCaller, @Param('task') task: string, @Body() body: PutPolicyBody) {
    const policy = await this.policies.put(caller, caller.tenantId, task, body);
    return presentPolicy(policy.task, policy);
  }
}
