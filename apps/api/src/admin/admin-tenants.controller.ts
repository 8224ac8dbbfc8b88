import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { decodeCursor, encodeCursor, idCursor } from '@conduit/common';
import { TENANT_STATUSES } from '@conduit/db';
import { TenantsService, type Actor } from '@conduit/tenancy';
import { z } from 'zod';
import { PlatformCaller, PlatformRoute } from '../auth/auth.decorators';
import { pageOf, paginationQuery } from '../http/pagination';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { presentTenant } from './tenant.presenter';

export const createTenantBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  plan: z.string().trim().min(1).max(64),
});

export const updateTenantBody = z
  .strictObject({ status: z.enum(TENANT_STATUSES).optional(), plan: z.string().trim().min(1).max(64).optional() })
  .refine((body) => body.status !== undefined || body.plan !== undefined, 'give status or plan');

@Controller('v1/admin/tenants')
@PlatformRoute()
export class AdminTenantsController {
  constructor(private readonly tenants: TenantsService) {}

  /** The owner key is in this response only; it is never shown again. */
  @Post()
  async create(
    @PlatformCaller() actor: Actor,
    @Body(new ZodPipe(createTenantBody)) body: z.infer<typeof createTenantBody>,
  ) {
    const { tenant, ownerApiKey } = await this.tenants.create(actor, body);
    return { ...presentTenant(tenant), owner_api_key: ownerApiKey };
  }

  @Get()
  async list(@Query(new ZodPipe(paginationQuery)) query: z.infer<typeof paginationQuery>) {
    const tenants = await this.tenants.list({ after: decodeCursor(query.cursor, idCursor), limit: query.limit + 1 });
    return pageOf(tenants, query.limit, presentTenant, (last) => encodeCursor(last.id));
  }

  @Get(':id')
  async get(@Param('id', new UuidParam('tenant')) id: string) {
    return presentTenant(await this.tenants.get(id));
  }

  /** Suspend, reactivate or change the plan; takes effect on the tenant's next request and job. */
  @Patch(':id')
  async update(
    @PlatformCaller() actor: Actor,
    @Param('id', new UuidParam('tenant')) id: string,
    @Body(new ZodPipe(updateTenantBody)) body: z.infer<typeof updateTenantBody>,
  ) {
    return presentTenant(await this.tenants.update(actor, id, body));
  }
}
