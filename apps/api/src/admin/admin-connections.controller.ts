import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConnectionsService, ConnectionTester } from '@conduit/providers';
import type { Actor } from '@conduit/tenancy';
import { PlatformCaller, PlatformRoute } from '../auth/auth.decorators';
import { CreateConnectionBody, UpdateConnectionBody } from '../connections/connection.dto';
import {
  connectionExample,
  connectionTestExample,
  newConnectionExample,
  presentConnection,
} from '../connections/connection.presenter';
import { ApiErrors } from '../http/error-responses';
import { pageExample } from '../http/examples';
import { UuidParam } from '../http/uuid-param.pipe';

const platformConnectionExample = { ...connectionExample, platform: true };

/** Platform-managed connections: no tenant; usable by tenants whose plan includes them. */
@ApiTags('Platform')
@Controller('v1/admin/connections')
@PlatformRoute()
export class AdminConnectionsController {
  constructor(
    private readonly connections: ConnectionsService,
    private readonly tester: ConnectionTester,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a platform-managed connection' })
  @ApiCreatedResponse({ description: 'Created', example: { ...newConnectionExample, platform: true } })
  @ApiErrors(400, 409, 422)
  async create(@PlatformCaller() actor: Actor, @Body() body: CreateConnectionBody) {
    return presentConnection(await this.connections.create(actor, null, body));
  }

  @Get()
  @ApiOperation({ summary: 'List platform-managed connections' })
  @ApiOkResponse({ description: 'All platform connections', example: pageExample(platformConnectionExample) })
  async list() {
    return { data: (await this.connections.list(null)).map(presentConnection), next_cursor: null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a platform-managed connection' })
  @ApiOkResponse({ description: 'The connection', example: platformConnectionExample })
  @ApiErrors(400, 404)
  async get(@Param('id', new UuidParam('connection')) id: string) {
    return presentConnection(await this.connections.get(null, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a platform-managed connection' })
  @ApiOkResponse({ description: 'The updated connection', example: platformConnectionExample })
  @ApiErrors(400, 404, 409, 422)
  async update(
    @PlatformCaller() actor: Actor,
    @Param('id', new UuidParam('connection')) id: string,
    @Body() body: UpdateConnectionBody,
  ) {
    return presentConnection(await this.connections.update(actor, null, id, body));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a platform-managed connection' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async remove(@PlatformCaller() actor: Actor, @Param('id', new UuidParam('connection')) id: string): Promise<void> {
    await this.connections.remove(actor, null, id);
  }

  @Post(':id/test')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Test a platform-managed connection with one real call' })
  @ApiOkResponse({ description: 'The test passed', example: connectionTestExample })
  @ApiErrors(400, 404, 422)
  test(@PlatformCaller() actor: Actor, @Param('id', new UuidParam('connection')) id: string) {
    return this.tester.test(actor, null, id);
  }
}
