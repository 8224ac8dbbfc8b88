import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { RepeatedErrorLog } from '@conduit/observability';
import {
  DeliverWebhookUseCase,
  JobName,
  parseJobData,
  WEBHOOKS_QUEUE,
  WebhookDeliveryFailed,
  type DeliverWebhookResult,
} from '@conduit/jobs';
import { UnrecoverableError, type Job } from 'bullmq';
import { QueueProcessor } from './queue-processor';

/** Concurrent deliveries per worker process; each waits at most WEBHOOK_TIMEOUT_MS on its receiver. */
const CONCURRENCY = 20;

/**
 * Thin on purpose: reads ids from the job and calls the delivery use case. BullMQ does the backoff.
 * On shutdown, a delivery cut short is found stalled and tried again; receivers dedupe by
 * Conduit-Delivery-Id.
 */
@Processor(WEBHOOKS_QUEUE, { autorun: false })
export class WebhooksProcessor extends QueueProcessor<typeof WEBHOOKS_QUEUE, DeliverWebhookResult> {
  protected readonly logger = new Logger(WebhooksProcessor.name);
  private readonly workerErrors: RepeatedErrorLog;

  constructor(deliver: DeliverWebhookUseCase, config: AppConfig) {
    super(config, CONCURRENCY, {
      [JobName.DeliverWebhook]: (job) =>
        deliver.execute(parseJobData(JobName.DeliverWebhook, job.data), {
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? config.webhooks.maxAttempts,
        }),
    });
    this.workerErrors = new RepeatedErrorLog(this.logger, 'webhook queue worker error', config.http.repeatIntervalMs);
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.workerErrors.report(error);
  }

  async process(job: Job): Promise<DeliverWebhookResult> {
    try {
      return await this.handle(job);
    } catch (error) {
      // Logged without the URL: its path or query may carry a token.
      if (error instanceof WebhookDeliveryFailed) {
        this.logger.warn(
          { jobId: job.id, attempt: job.attemptsMade + 1, reason: error.message },
          'webhook not delivered',
        );
        if (error.final) throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }
}
