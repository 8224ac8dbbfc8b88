import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import type { WebhookDeliveryEntity } from '@conduit/db';
import { WebhookDeliveries, WebhookSecrets } from '@conduit/jobs';
import { Caller, TenantRoute, type TenantCaller } from '../auth/auth.decorators';
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

/** The tenant's webhook signing secret: created or rotated by admins, shown once. */
@Controller('v1/webhook-secret')
@TenantRoute('admin')
export class WebhookSecretController {
  constructor(private readonly secrets: WebhookSecrets) {}

  /** Creates the secret, or replaces it (the old one stops signing at once). The secret is in this response only. */
  @Post()
  @HttpCode(HttpStatus.CREATED)
  async rotate(@Caller() caller: TenantCaller) {
    const { secret, createdAt, rotatedAt } = await this.secrets.rotate(caller, caller.tenantId);
    return {
      object: 'webhook_secret',
      secret,
      created_at: createdAt.toISOString(),
      rotated_at: rotatedAt.toISOString(),
    };
  }

  /** Whether a secret exists and when it was last rotated; never the secret. */
  @Get()
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
@Controller('v1/batches')
@TenantRoute('member')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveries) {}

  @Get(':id/webhook-deliveries')
  async list(@Caller() caller: TenantCaller, @Param('id', new UuidParam('batch')) id: string) {
    const rows = await this.deliveries.listForBatch(caller.tenantId, id);
    return { data: rows.map(presentWebhookDelivery), next_cursor: null };
  }
}
