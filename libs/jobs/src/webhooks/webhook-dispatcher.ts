import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { BatchEntity, TenantScope, WebhookDeliveryEntity } from '@conduit/db';
import { DataSource } from 'typeorm';
import type { JobsOptions, Queue } from 'bullmq';
import { JobName, parseJobData, WEBHOOKS_QUEUE } from '../job-catalogue';

/** The BullMQ options of a delivery job: its own attempts and exponential backoff (from config). */
export function webhookJobOptions(config: AppConfig, deliveryId: string): JobsOptions {
  return {
    jobId: deliveryId,
    attempts: config.webhooks.maxAttempts,
    backoff: { type: 'exponential', delay: config.webhooks.backoffMs },
  };
}

/**
 * Called once per batch, by the one caller whose update closed it (`BatchProgress.completeIfDone`):
 * stores a pending delivery, then queues its job (job id = delivery id, so it is queued once).
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger(WebhookDispatcher.name);

  constructor(
    private readonly scope: TenantScope,
    private readonly config: AppConfig,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Never throws: the batch is closed whatever happens here, and the item job that closed it must
   * not fail because of its webhook. A delivery stored but not queued (Redis down) stays `pending`.
   */
  async batchClosed(tenantId: string, batchId: string): Promise<void> {
    try {
      const batch = await this.scope.repository(BatchEntity, tenantId).findOne({ id: batchId });
      if (!batch?.webhookUrl) return;
      const [delivery] = await this.scope.repository(WebhookDeliveryEntity, tenantId).insert([
        {
          batchId,
          event: batch.status === 'cancelled' ? 'batch.cancelled' : 'batch.completed',
          url: batch.webhookUrl,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: new Date(),
        },
      ]);
      const data = parseJobData(JobName.DeliverWebhook, { tenantId, batchId, deliveryId: delivery.id });
      await this.queue.add(JobName.DeliverWebhook, data, webhookJobOptions(this.config, delivery.id));
    } catch (error) {
      this.logger.error({ err: error, batchId }, 'could not queue the webhook of a closed batch');
    }
  }

  /**
   * Queues again the pending deliveries that have no job (stored while Redis was down, or lost
   * with Redis's data). Run by the reconciler; `graceMs` leaves fresh deliveries alone.
   * Cross-tenant by nature, like the reconciler: it reads delivery ids only.
   */
  async requeueStranded(graceMs: number): Promise<number> {
    const stranded: { id: string; tenant_id: string; batch_id: string }[] = await this.dataSource.query(
      `SELECT id, tenant_id, batch_id FROM webhook_deliveries
        WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY updated_at LIMIT 500`,
      [graceMs],
    );
    let requeued = 0;
    for (const delivery of stranded) {
      if (await this.queue.getJob(delivery.id)) continue;
      const data = parseJobData(JobName.DeliverWebhook, {
        tenantId: delivery.tenant_id,
        batchId: delivery.batch_id,
        deliveryId: delivery.id,
      });
      await this.queue.add(JobName.DeliverWebhook, data, webhookJobOptions(this.config, delivery.id));
      requeued += 1;
    }
    if (requeued > 0) this.logger.warn({ requeued }, 're-queued webhook deliveries that had no job');
    return requeued;
  }
}
