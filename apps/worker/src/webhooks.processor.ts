import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { RepeatedErrorLog } from '@conduit/observability';
import {
  DeliverWebhookUseCase,
  JobName,
  parseJobData,
  settleBeforeClose,
  WEBHOOKS_QUEUE,
  WebhookDeliveryFailed,
  type DeliverWebhookResult,
  type JobNameOn,
} from '@conduit/jobs';
import { UnrecoverableError, type Job } from 'bullmq';

type Handler = (job: Job) => Promise<DeliverWebhookResult>;

/** Concurrent deliveries per worker process; each waits at most WEBHOOK_TIMEOUT_MS on its receiver. */
const CONCURRENCY = 20;

/** Thin on purpose: reads ids from the job and calls the delivery use case. BullMQ does the backoff. */
@Processor(WEBHOOKS_QUEUE, { autorun: false })
export class WebhooksProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhooksProcessor.name);
  private readonly workerErrors: RepeatedErrorLog;
  private readonly handlers: Record<JobNameOn<typeof WEBHOOKS_QUEUE>, Handler>;

  constructor(
    deliver: DeliverWebhookUseCase,
    private readonly config: AppConfig,
  ) {
    super();
    this.workerErrors = new RepeatedErrorLog(this.logger, 'webhook queue worker error', config.http.repeatIntervalMs);
    this.handlers = {
      [JobName.DeliverWebhook]: (job) =>
        deliver.execute(parseJobData(JobName.DeliverWebhook, job.data), {
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? this.config.webhooks.maxAttempts,
        }),
    };
  }

  onApplicationBootstrap(): void {
    const { lockMs, stalledIntervalMs } = this.config.worker;
    Object.assign(this.worker.opts, { lockDuration: lockMs, stalledInterval: stalledIntervalMs, maxStalledCount: 3 });
    this.worker.concurrency = CONCURRENCY;
    void this.worker.run().catch((error: unknown) => this.logger.error({ err: error }, 'the webhook worker stopped'));
  }

  /** A delivery cut short is found stalled and tried again; receivers dedupe by Conduit-Delivery-Id. */
  async beforeApplicationShutdown(): Promise<void> {
    await settleBeforeClose([this.worker]);
    await this.worker.close();
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.workerErrors.report(error);
  }

  async process(job: Job): Promise<DeliverWebhookResult> {
    const handler = this.handlers[job.name as JobNameOn<typeof WEBHOOKS_QUEUE>];
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
    try {
      return await handler(job);
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
