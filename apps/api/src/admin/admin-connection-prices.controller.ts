import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConnectionPrices } from '@conduit/accounting';
import type { Actor } from '@conduit/tenancy';
import { PlatformCaller, PlatformRoute } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { pageExample } from '../http/examples';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { ApiModelParam, modelParam, PriceBody } from '../usage/usage.dto';
import { presentPrice, presentPriceList, priceExample } from '../usage/usage.presenter';

/** Per-connection prices of platform-managed connections: what the platform pays, over the defaults. */
@ApiTags('Platform')
@Controller('v1/admin/connections/:id/prices')
@PlatformRoute()
export class AdminConnectionPricesController {
  constructor(private readonly prices: ConnectionPrices) {}

  @Get()
  @ApiOperation({ summary: "A platform-managed connection's own prices, then the defaults of its kind" })
  @ApiOkResponse({ description: 'Prices', example: pageExample(priceExample) })
  @ApiErrors(400, 404)
  async list(@Param('id', new UuidParam('connection')) id: string) {
    return presentPriceList(await this.prices.list(null, id));
  }

  @Put(':model')
  @ApiOperation({ summary: 'Set the price of a model on a platform-managed connection' })
  @ApiModelParam()
  @ApiOkResponse({ description: 'The price', example: priceExample })
  @ApiErrors(400, 404)
  async set(
    @PlatformCaller() actor: Actor,
    @Param('id', new UuidParam('connection')) id: string,
    @Param('model', new ZodPipe(modelParam)) model: string,
    @Body() body: PriceBody,
  ) {
    return presentPrice(await this.prices.set(actor, null, id, model, body));
  }

  @Delete(':model')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: "Remove a platform-managed connection's price for a model (back to the default)" })
  @ApiModelParam()
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(400, 404)
  async remove(
    @PlatformCaller() actor: Actor,
    @Param('id', new UuidParam('connection')) id: string,
    @Param('model', new ZodPipe(modelParam)) model: string,
  ): Promise<void> {
    await this.prices.remove(actor, null, id, model);
  }
}
