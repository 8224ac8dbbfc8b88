import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConnectionsService, ConnectionTester } from '@conduit/providers';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { pageExample } from '../http/examples';
import { UuidParam } from '../http/uuid-param.pipe';
import { CreateConnectionBody, UpdateConnectionBody } from './connection.dto';
import {
  connectionExample,
  connectionTestExample,
  newConnectionExample,
  presentConnection,
} from './connection.presenter';

/** A tenant's own provider connections (admins and owners). Keys go in, and never come out. */
@ApiTags('Connections')
@Controller('v1/connections')
@TenantRoute('admin')
export class ConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly tester: ConnectionTester,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a connection to your own provider account' })
  @ApiCreatedResponse({ description: 'Created', example: newConnectionExample })
  @ApiErrors(400, 409, 422)
  async create(@Caller() caller: TenantCaller, @Body() body: CreateConnectionBody) {
    return presentConnection(await this.connections.create(caller, caller.tenantId, body));
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's connections" })
  @ApiOkResponse({ description: 'All connections', example: pageExample(connectionExample) })
  async list(@Caller() caller: TenantCaller) {
    return { data: (await this.connections.list(caller.tenantId)).map(presentConnection), next_cursor: null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a connection' })
  @ApiOkResponse({ description: 'The connection', example: connectionExample })
  @ApiErrors(400, 404)
  async get(@Caller() caller: TenantCaller, @Param('id', new UuidParam('connection')) id: string) {
    return presentConnection(await this.connections.get(caller.tenantId, id));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Rename, rotate the key, or change settings and limits',
    description: 'A new key, base URL or settings reset the status to `untested`.',
  })
  @ApiOkResponse({ description: 'The updated connection', example: connectionExample })
  @ApiErrors(400, 404, 409, 422)
  async update(
    @Caller() caller: TenantCaller,
    @Param('id', new UuidParam('connection')) id: string,
    @Body() body: UpdateConnectionBody,
  ) {
    return presentConnection(await this.connections.update(caller, caller.tenantId, id, body));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a connection' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async remove(@Caller() caller: TenantCaller, @Param('id', new UuidParam('connection')) id: string): Promise<void> {
    await this.connections.remove(caller, caller.tenantId, id);
  }

  @Post(':id/test')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Test a connection with one real call',
    description: 'One call through the egress guard that lists the models, and stores them.',
  })
  @ApiOkResponse({ description: 'The test passed', example: connectionTestExample })
  @ApiErrors(400, 404, 422)
  test(@Caller() caller: TenantCaller, @Param('id', new UuidParam('connection')) id: string) {
    return this.tester.test(caller, caller.tenantId, id);
  }
}
