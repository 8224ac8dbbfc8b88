import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { EXAMPLE_ID } from '../http/examples';

@ApiTags('Tenant')
@Controller('v1/me')
@TenantRoute('member')
export class MeController {
  @Get()
  @ApiOperation({ summary: 'The tenant and API key of the caller' })
  @ApiOkResponse({
    description: 'The caller',
    example: {
      tenant: { id: EXAMPLE_ID, name: 'Acme', plan: 'pro', status: 'active' },
      api_key: { id: EXAMPLE_ID, name: 'CI', role: 'member' },
    },
  })
  me(@Caller() caller: TenantCaller) {
    return {
      tenant: { id: caller.tenantId, name: caller.tenantName, plan: caller.tenantPlan, status: caller.tenantStatus },
      api_key: { id: caller.apiKeyId, name: caller.apiKeyName, role: caller.role },
    };
  }
}
