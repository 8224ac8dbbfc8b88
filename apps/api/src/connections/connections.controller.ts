import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ConnectionsService, ConnectionTester } from '@conduit/providers';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { presentConnection } from './connection.presenter';
import {
  createConnectionBody,
  updateConnectionBody,
  type CreateConnectionBody,
  type UpdateConnectionBody,
} from './connection.dto';

/** A tenant's own provider connections (admins and owners). Keys go in, and never come out. */
@Controller('v1/connections')
@TenantRoute('admin')
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly tester: ConnectionTester,
  ) {}

  @Post()
  async create(@Caller() caller: TenantCaller, @Body(new ZodPipe(createConnectionBody)) body: CreateConnectionBody) {
    return presentConnection(await this.connections.create(caller, caller.tenantId, body));
  }

  @Get()
  async list(@Caller() caller: TenantCaller) {
    return { data: (await this.connections.list(caller.tenantId)).map(presentConnection), next_cursor: null };
  }

  @Get(':id')
  async get(@Caller() caller: TenantCaller, @Param('id', new UuidParam('connection')) id: string) {
    return presentConnection(await this.connections.get(caller.tenantId, id));
  }

  @Patch(':id')
  async update(
    @Caller() caller: TenantCaller,
    @Param('id', new UuidParam('connection')) id: string,
    @Body(new ZodPipe(updateConnectionBody)) body: UpdateConnectionBody,
  ) {
    return presentConnection(await this.connections.update(caller, caller.tenantId, id, body));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@Caller() caller: TenantCaller, @Param('id', new UuidParam('connection')) id: string): Promise<void> {
    await this.connections.remove(caller, caller.tenantId, id);
  }

  /** One real call through the egress guard: lists the models and stores them. */
  @Post(':id/test')
  @HttpCode(HttpStatus.OK)
  test(@Caller() caller: TenantCaller, @Param('id', new UuidParam('connection')) id: string) {
    return this.tester.test(caller, caller.tenantId, id);
  }
}
