import { setTimeout as sleep } from 'node:timers/promises';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import {
  ITEMS_QUEUE,
  JobName,
  parseJobData,
  RunItemUseCase,
  settleBeforeClose,
  type JobNameOn,
  type RunItemResult,
} from '@conduit/jobs';
import type { Job } from 'bullmq';

type Handler = (data: unknown) => Promise<RunItemResult>;

/** Thin on purpose: reads ids from the job and calls one use case per job name. */
// Started by hand once the configuration is applied (decorator options are fixed at import time).
@Processor(ITEMS_QUEUE, { autorun: false })
export class ItemsProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ItemsProcessor.name);
  // A Record over this queue's job names: the compiler refuses a job name without a handler.
  private readonly handlers: Record<JobNameOn<typeof ITEMS_QUEUE>, Handler>;

  constructor(
    runItem: RunItemUseCase,
    private readonly config: AppConfig,
  ) {
    super();
    this.handlers = {
      [JobName.RunItem]: (data) => runItem.execute(parseJobData(JobName.RunItem, data)),
    };
  }

  onApplicationBootstrap(): void {
    const { concurrency, lockMs, stalledIntervalMs } = this.config.worker;
    Object.assign(this.worker.opts, { lockDuration: lockMs, stalledInterval: stalledIntervalMs, maxStalledCount: 3 });
    this.worker.concurrency = concurrency;
    void this.worker.run().catch((error: unknown) => this.logger.error({ err: error }, 'the worker stopped'));
  }

  /**
   * SIGTERM: stop taking jobs at once, let running calls finish for up to SHUTDOWN_GRACE_MS,
   * then close anyway. Jobs cut short stay active in Redis, are found stalled and run again
   * elsewhere; their items are still claimable and their calls already accounted.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await settleBeforeClose([this.worker]);
    const closed = this.worker.close().then(() => 'closed' as const);
    const graceOver = sleep(this.config.worker.shutdownGraceMs, 'grace_over' as const, { ref: false });
    if ((await Promise.race([closed, graceOver])) === 'grace_over') {
      this.logger.warn('running jobs did not finish within SHUTDOWN_GRACE_MS; closing anyway (they will run again)');
      await this.worker.close(true);
    }
  }

  /** Without a listener BullMQ prints worker errors (e.g. after Redis lost its data) to the console. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn({ err: error }, 'queue worker error');
  }

  process(job: Job): Promise<RunItemResult> {
    const handler = this.handlers[job.name as JobNameOn<typeof ITEMS_QUEUE>];
    if (!handler) throw new Error(`no handler for job "${job.name}"`);
    return handler(job.data);
  }
}
