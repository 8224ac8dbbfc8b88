import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { WebhookDeliveryEntity } from '@conduit/db';
import { WebhookDeliveries, WebhookSecrets } from '@conduit/jobs';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
import { ApiErrors } from '../http/error-responses';
import { EXAMPLE_ID, EXAMPLE_TIME, pageExample } from '../http/examples';
import { UuidParam } from '../http/uuid-param.pipe';

function presentWebhookDelivery(delivery: WebhookDeliveryEntity) {
  return {
    id: delivery.id,
    object: 'webhook_delivery',
    batch_id: delivery.batchId,
    event: delivery.event,
    url: delivery.url,
    status: delivery.status,
    attempts: delivery.attempts,
    last_status_code: delivery.lastStatusCode,
    last_error: delivery.lastError,
    next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
    delivered_at: delivery.deliveredAt?.toISOString() ?? null,
    created_at: delivery.createdAt.toISOString(),
    updated_at: delivery.updatedAt.toISOString(),
  };
}

const deliveryExample = {
  id: EXAMPLE_ID,
  object: 'webhook_delivery',
  batch_id: EXAMPLE_ID,
  event: 'batch.completed',
  url: 'https://example.com/hooks/conduit',
  status: 'succeeded',
  attempts: 1,
  last_status_code: 200,
  last_error: null,
  next_attempt_at: null,
  delivered_at: EXAMPLE_TIME,
  created_at: EXAMPLE_TIME,
  updated_at: EXAMPLE_TIME,
} satisfies ReturnType<typeof presentWebhookDelivery>;

/** The tenant's webhook signing secret: created or rotated by admins, shown once. */
@ApiTags('Webhooks')
@Controller('v1/webhook-secret')
@TenantRoute('admin')
export class WebhookSecretController {
  constructor(private readonly secrets: WebhookSecrets) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create or rotate the webhook signing secret (shown this once)',
    description: 'A new secret replaces the old one, which stops signing at once.',
  })
  @ApiCreatedResponse({
    description: 'The new secret',
    example: { object: 'webhook_secret', secret: 'whsec_…', created_at: EXAMPLE_TIME, rotated_at: EXAMPLE_TIME },
  })
  async rotate(@Caller() caller: TenantCaller) {
    const { secret, createdAt, rotatedAt } = await this.secrets.rotate(caller, caller.tenantId);
    return {
      object: 'webhook_secret',
      secret,
      created_at: createdAt.toISOString(),
      rotated_at: rotatedAt.toISOString(),
    };
  }

  @Get()
  @ApiOperation({ summary: 'Whether a webhook secret exists and when it was rotated (never the secret)' })
  @ApiOkResponse({
    description: 'Secret info',
    example: { object: 'webhook_secret', exists: true, created_at: EXAMPLE_TIME, rotated_at: EXAMPLE_TIME },
  })
  async get(@Caller() caller: TenantCaller) {
    const info = await this.secrets.info(caller.tenantId);
    return {
      object: 'webhook_secret',
      exists: info !== null,
      created_at: info?.createdAt.toISOString() ?? null,
      rotated_at: info?.rotatedAt.toISOString() ?? null,
    };
  }
}

/** Delivery attempts of a batch's completion webhook, for the tenant to see what its receiver got. */
@ApiTags('Webhooks')
@Controller('v1/batches')
@TenantRoute('member')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveries) {}

  @Get(':id/webhook-deliveries')
  @ApiOperation({ summary: "Delivery attempts of a batch's completion webhook" })
  @ApiOkResponse({ description: 'The deliveries', example: pageExample(deliveryExample) })
  @ApiErrors(400, 404)
  async list(@Caller() caller: TenantCaller, @Param('id', new UuidParam('batch')) id: string) {
    const rows = await this.deliveries.listForBatch(caller.tenantId, id);
    return { data: rows.map(presentWebhookDelivery), next_cursor: null };
  }
}
