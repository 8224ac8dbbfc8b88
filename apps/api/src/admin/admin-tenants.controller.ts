import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { TenantsService } from '@conduit/tenancy';
import { z } from 'zod';
import { PlatformRoute } from '../auth/auth.decorators';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { presentTenant } from './tenant.presenter';

const createTenantBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  plan: z.string().trim().min(1).max(64),
});

@Controller('v1/admin/tenants')
@PlatformRoute()
export class AdminTenantsController {
  constructor(private readonly tenants: TenantsService) {}

  /** The owner key is in this response only; it is never shown again. */
  @Post()
  async create(@Body(new ZodPipe(createTenantBody)) body: z.infer<typeof createTenantBody>) {
    const { tenant, ownerApiKey } = await this.tenants.create(body);
    return { ...presentTenant(tenant), owner_api_key: ownerApiKey };
  }

  @Get(':id')
  async get(@Param('id', new UuidParam('tenant')) id: string) {
    return presentTenant(await this.tenants.get(id));
  }
}
