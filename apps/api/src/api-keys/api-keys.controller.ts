import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { API_KEY_ROLES, type ApiKeyEntity } from '@conduit/db';
import { ApiKeysService } from '@conduit/tenancy';
import { z } from 'zod';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';

export const createKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(API_KEY_ROLES),
});

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

/** Admins manage member keys; owners manage admin and owner keys too. */
@Controller('v1/api-keys')
@TenantRoute('admin')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** The key is in this response only. */
  @Post()
  async create(@Caller() caller: TenantCaller, @Body(new ZodPipe(createKeyBody)) body: z.infer<typeof createKeyBody>) {
    const { apiKey, key } = await this.apiKeys.create(caller, body);
    return { ...presentApiKey(apiKey), key };
  }

  @Get()
  async list(@Caller() caller: TenantCaller) {
    return { data: (await this.apiKeys.list(caller.tenantId)).map(presentApiKey), next_cursor: null };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.OK)
  async revoke(@Caller() caller: TenantCaller, @Param('id', new UuidParam('API key')) id: string) {
    return presentApiKey(await this.apiKeys.revoke(caller, id));
  }
}
