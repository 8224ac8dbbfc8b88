import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_KEY_ROLES, type ApiKeyEntity } from '@conduit/db';
import { ApiKeysService } from '@conduit/tenancy';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { EXAMPLE_ID, EXAMPLE_TIME, pageExample } from '../http/examples';
import { UuidParam } from '../http/uuid-param.pipe';

export class CreateKeyBody extends createZodDto(
  z
    .strictObject({
      name: z.string().trim().min(1).max(100),
      role: z.enum(API_KEY_ROLES),
    })
    .meta({ examples: [{ name: 'CI', role: 'member' }] }),
) {}

function presentApiKey(key: ApiKeyEntity) {
  return {
    id: key.id,
    object: 'api_key',
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    created_by: key.createdBy,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
    created_at: key.createdAt.toISOString(),
  };
}

const apiKeyExample = {
  id: EXAMPLE_ID,
  object: 'api_key',
  name: 'CI',
  role: 'member',
  prefix: 'cdt_AbC',
  created_by: EXAMPLE_ID,
  last_used_at: null,
  revoked_at: null,
  created_at: EXAMPLE_TIME,
} satisfies ReturnType<typeof presentApiKey>;

/** Admins manage member keys; owners manage admin and owner keys too. */
@ApiTags('Tenant')
@Controller('v1/api-keys')
@TenantRoute('admin')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key (shown this once)',
    description: 'Admins create `member` keys; owners create keys of any role.',
  })
  @ApiCreatedResponse({ description: 'Created', example: { ...apiKeyExample, key: 'cdt_…' } })
  @ApiErrors(400)
  async create(@Caller() caller: TenantCaller, @Body() body: CreateKeyBody) {
    const { apiKey, key } = await this.apiKeys.create(caller, body);
    return { ...presentApiKey(apiKey), key };
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's API keys" })
  @ApiOkResponse({ description: 'All keys', example: pageExample(apiKeyExample) })
  async list(@Caller() caller: TenantCaller) {
    return { data: (await this.apiKeys.list(caller.tenantId)).map(presentApiKey), next_cursor: null };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiOkResponse({ description: 'The revoked key', example: { ...apiKeyExample, revoked_at: EXAMPLE_TIME } })
  @ApiErrors(400, 404)
  async revoke(@Caller() caller: TenantCaller, @Param('id', new UuidParam('API key')) id: string) {
    return presentApiKey(await this.apiKeys.revoke(caller, id));
  }
}
