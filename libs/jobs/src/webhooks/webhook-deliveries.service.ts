import { Injectable } from '@nestjs/common';
import { TenantScope, WebhookDeliveryEntity } from '@conduit/db';
import { BatchesService } from '../batches.service';

/** Reads of the tenant's webhook deliveries. */
@Injectable()
export class WebhookDeliveries {
  constructor(
    private readonly scope: TenantScope,
    private readonly batches: BatchesService,
  ) {}

  /** The deliveries of one batch, oldest first; 404 when the batch is not the tenant's. */
  async listForBatch(tenantId: string, batchId: string): Promise<WebhookDeliveryEntity[]> {
    await this.batches.get(tenantId, batchId);
    return this.scope
      .repository(WebhookDeliveryEntity, tenantId)
      .find({ where: { batchId }, order: { createdAt: 'ASC' } });
  }
}
