import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ConnectionPrices } from '@conduit/accounting';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { UuidParam } from '../http/uuid-param.pipe';
import { ZodPipe } from '../http/zod.pipe';
import { modelParam, priceBody, type PriceBody } from './usage.dto';
import { presentPrice, presentPriceList } from './usage.presenter';

/** Per-connection prices (admins and owners): what a tenant actually pays, over the defaults. */
@Controller('v1/connections/:id/prices')
@TenantRoute('admin')
export class ConnectionPricesController {
  constructor(private readonly prices: ConnectionPrices) {}

  /** The connection's own prices, then the defaults of its kind that apply to other models. */
  @Get()
  async list(@Caller() caller: TenantCaller, @Param('id', new UuidParam('connection')) id: string) {
    return presentPriceList(await this.prices.list(caller.tenantId, id));
  }

  @Put(':model')
  async set(
    @Caller() caller: TenantCaller,
    @Param('id', new UuidParam('connection')) id: string,
    @Param('model', new ZodPipe(modelParam)) model: string,
    @Body(new ZodPipe(priceBody)) body: PriceBody,
  ) {
    return presentPrice(await this.prices.set(caller, caller.tenantId, id, model, body));
  }

  /** Back to the default price for that model. */
  @Delete(':model')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(
    @Caller() caller: TenantCaller,
    @Param('id', new UuidParam('connection')) id: string,
    @Param('model', new ZodPipe(modelParam)) model: string,
  ): Promise<void> {
    await this.prices.remove(caller, caller.tenantId, id, model);
  }
}
