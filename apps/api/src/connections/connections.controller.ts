import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ConnectionsService, PROVIDER_KINDS } from '@conduit/providers';

import { z } from 'zod';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { presentConnection } from './connection.presenter';

const createConnectionBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  kind: z.enum(PROVIDER_KINDS),
  settings: z.record(z.string(), z.unknown()).optional(),
  limits: z
    .strictObject({
      rpm: z.number().int().positive().optional(),
      tpm: z.number().int().positive().optional(),
      max_concurrency: z.number().int().positive().optional(),
    })
    .optional(),
  region: z.string().trim().min(1).max(64).optional(),
});

@Controller('v1/connections')
@TenantRoute('admin')
export class ConnectionsController {
  constructor(private readonly connections: ConnectionsService) {}

  @Post()
  async create(
    @Caller() caller: TenantCaller,
    @Body(new ZodPipe(createConnectionBody)) body: z.infer<typeof createConnectionBody>,
  ) {
    return presentConnection(await this.connections.create(caller.tenantId, body));
  }

  @Get()
  async list(@Caller() caller: TenantCaller) {
    const connections = await this.connections.list(caller.tenantId);
    return { data: connections.map(presentConnection), next_cursor: null };
  }

  @Get(':id')
  async get(@Caller() caller: TenantCaller, @Param('id', new UuidParam('connection')) id: string) {
    return presentConnection(await this.connections.get(caller.tenantId, id));
  }
}
