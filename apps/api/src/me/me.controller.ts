import { Controller, Get } from '@nestjs/common';

import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';

@Controller('v1/me')
@TenantRoute('member')
export class MeController {
  @Get()
  me(@Caller() caller: TenantCaller) {
    return {
      tenant: { id: caller.tenantId, name: caller.tenantName, plan: caller.tenantPlan, status: caller.tenantStatus },
      api_key: { id: caller.apiKeyId, name: caller.apiKeyName, role: caller.role },
    };
  }
}
