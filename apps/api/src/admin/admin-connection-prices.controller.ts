import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ConnectionPrices } from '@conduit/accounting';
import type { Actor } from '@conduit/tenancy';
import { PlatformCaller, PlatformRoute } from '../auth/auth.decorators';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { modelParam, priceBody, type PriceBody } from '../usage/usage.dto';
import { presentPrice, presentPriceList } from '../usage/usage.presenter';

/** Per-connection prices of platform-managed connections: what the platform pays, over the defaults. */
@Controller('v1/admin/connections/:id/prices')
@PlatformRoute()
export class AdminConnectionPricesController {
  constructor(private readonly prices: ConnectionPrices) {}

  /** The connection's own prices, then the defaults of its kind that apply to other models. */
  @Get()
  async list(@Param('id', new UuidParam('connection')) id: string) {
    return presentPriceList(await this.prices.list(null, id));
  }

  @Put(':model')
  async set(
    @PlatformCaller() actor: Actor,
    @Param('id', new UuidParam('connection')) id: string,
    @Param('model', new ZodPipe(modelParam)) model: string,
    @Body(new ZodPipe(priceBody)) body: PriceBody,
  ) {
    return presentPrice(await this.prices.set(actor, null, id, model, body));
  }

  /** Back to the default price for that model. */
  @Delete(':model')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(
    @PlatformCaller() actor: Actor,
    @Param('id', new UuidParam('connection')) id: string,
    @Param('model', new ZodPipe(modelParam)) model: string,
  ): Promise<void> {
    await this.prices.remove(actor, null, id, model);
  }
}
