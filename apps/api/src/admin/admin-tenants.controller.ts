import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { decodeCursor, encodeCursor, idCursor } from '@conduit/common';
import { TENANT_STATUSES } from '@conduit/db';
import { TenantsService, type Actor } from '@conduit/tenancy';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { PlatformCaller, PlatformRoute } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { pageExample } from '../http/examples';
import { pageOf, PageQuery } from '../http/pagination';
import { UuidParam } from '../http/uuid-param.pipe';
import { presentTenant, tenantExample } from './tenant.presenter';

export class CreateTenantBody extends createZodDto(
  z
    .strictObject({
      name: z.string().trim().min(1).max(200),
      plan: z.string().trim().min(1).max(64),
    })
    .meta({ examples: [{ name: 'Acme', plan: 'pro' }] }),
) {}

export class UpdateTenantBody extends createZodDto(
  z
    .strictObject({ status: z.enum(TENANT_STATUSES).optional(), plan: z.string().trim().min(1).max(64).optional() })
    .refine((body) => body.status !== undefined || body.plan !== undefined, 'give status or plan')
    .meta({ examples: [{ status: 'suspended' }] }),
) {}

@ApiTags('Platform')
@Controller('v1/admin/tenants')
@PlatformRoute()
export class AdminTenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a tenant and its owner key (shown this once)' })
  @ApiCreatedResponse({ description: 'Created', example: { ...tenantExample, owner_api_key: 'cdt_…' } })
  @ApiErrors(400)
  async create(@PlatformCaller() actor: Actor, @Body() body: CreateTenantBody) {
    const { tenant, ownerApiKey } = await this.tenants.create(actor, body);
    return { ...presentTenant(tenant), owner_api_key: ownerApiKey };
  }

  @Get()
  @ApiOperation({ summary: 'List tenants' })
  @ApiOkResponse({ description: 'A page of tenants', example: pageExample(tenantExample) })
  @ApiErrors(400)
  async list(@Query() query: PageQuery) {
    const tenants = await this.tenants.list({ after: decodeCursor(query.cursor, idCursor), limit: query.limit + 1 });
    return pageOf(tenants, query.limit, presentTenant, (last) => encodeCursor(last.id));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a tenant' })
  @ApiOkResponse({ description: 'The tenant', example: tenantExample })
  @ApiErrors(400, 404)
  async get(@Param('id', new UuidParam('tenant')) id: string) {
    return presentTenant(await this.tenants.get(id));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Suspend, reactivate or change the plan of a tenant',
    description: "Takes effect on the tenant's next request and job.",
  })
  @ApiOkResponse({ description: 'The updated tenant', example: { ...tenantExample, status: 'suspended' } })
  @ApiErrors(400, 404)
  async update(
    @PlatformCaller() actor: Actor,
    @Param('id', new UuidParam('tenant')) id: string,
    @Body() body: UpdateTenantBody,
  ) {
    return presentTenant(await this.tenants.update(actor, id, body));
  }
}
