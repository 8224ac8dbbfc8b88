import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ConnectionsService, ConnectionTester } from '@conduit/providers';
import type { Actor } from '@conduit/tenancy';
import { PlatformCaller, PlatformRoute } from '../auth/auth.decorators';
import { presentConnection } from '../connections/connection.presenter';
import {
  createConnectionBody,
  updateConnectionBody,
  type CreateConnectionBody,
  type UpdateConnectionBody,
} from '../connections/connection.dto';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';

/** Platform-managed connections: no tenant; usable by tenants whose plan includes them. */
@Controller('v1/admin/connections')
@PlatformRoute()
export class AdminConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly tester: ConnectionTester,
  ) {}

  @Post()
  async create(@PlatformCaller() actor: Actor, @Body(new ZodPipe(createConnectionBody)) body: CreateConnectionBody) {
    return presentConnection(await this.connections.create(actor, null, body));
  }

  @Get()
  async list() {
    return { data: (await this.connections.list(null)).map(presentConnection), next_cursor: null };
  }

  @Get(':id')
  async get(@Param('id', new UuidParam('connection')) id: string) {
    return presentConnection(await this.connections.get(null, id));
  }

  @Patch(':id')
  async update(
    @PlatformCaller() actor: Actor,
    @Param('id', new UuidParam('connection')) id: string,
    @Body(new ZodPipe(updateConnectionBody)) body: UpdateConnectionBody,
  ) {
    return presentConnection(await this.connections.update(actor, null, id, body));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@PlatformCaller() actor: Actor, @Param('id', new UuidParam('connection')) id: string): Promise<void> {
    await this.connections.remove(actor, null, id);
  }

  @Post(':id/test')
  @HttpCode(HttpStatus.OK)
  test(@PlatformCaller() actor: Actor, @Param('id', new UuidParam('connection')) id: string) {
    return this.tester.test(actor, null, id);
  }
}
