import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConnectionPrices } from '@conduit/accounting';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { pageExample } from '../http/examples';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { ApiModelParam, modelParam, PriceBody } from './usage.dto';
import { presentPrice, presentPriceList, priceExample } from './usage.presenter';

/** Per-connection prices (admins and owners): what a tenant actually pays, over the defaults. */
@ApiTags('Usage')
@Controller('v1/connections/:id/prices')
@TenantRoute('admin')
export class ConnectionPricesController {
  constructor(private readonly prices: ConnectionPrices) {}

  @Get()
  @ApiOperation({ summary: "A connection's own prices, then the defaults of its kind" })
  @ApiOkResponse({ description: 'Prices', example: pageExample(priceExample) })
  @ApiErrors(400, 404)
  async list(@Caller() caller: TenantCaller, @Param('id', new UuidParam('connection')) id: string) {
    return presentPriceList(await this.prices.list(caller.tenantId, id));
  }

  @Put(':model')
  @ApiOperation({ summary: 'Set the price of a model on a connection' })
  @ApiModelParam()
  @ApiOkResponse({ description: 'The price', example: priceExample })
  @ApiErrors(400, 404)
  async set(
    @Caller() caller: TenantCaller,
    @Param('id', new UuidParam('connection')) id: string,
    @Param('model', new ZodPipe(modelParam)) model: string,
    @Body() body: PriceBody,
  ) {
    return presentPrice(await this.prices.set(caller, caller.tenantId, id, model, body));
  }

  @Delete(':model')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: "Remove a connection's price for a model (back to the default)" })
  @ApiModelParam()
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(400, 404)
  async remove(
    @Caller() caller: TenantCaller,
    @Param('id', new UuidParam('connection')) id: string,
    @Param('model', new ZodPipe(modelParam)) model: string,
  ): Promise<void> {
    await this.prices.remove(caller, caller.tenantId, id, model);
  }
}
