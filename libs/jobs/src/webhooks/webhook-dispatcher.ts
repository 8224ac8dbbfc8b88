import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { BatchEntity, TenantScope, WebhookDeliveryEntity } from '@conduit/db';
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
}
