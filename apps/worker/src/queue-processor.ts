import { WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '@conduit/config';
import { settleBeforeClose, type JobNameOn } from '@conduit/jobs';
import { UnrecoverableError, type Job } from 'bullmq';

/**
 * What the worker's processors share. Each is declared `@Processor(queue, { autorun: false })`,
 * because decorator options are fixed at import time: its worker starts here once the
 * configuration is applied, and closes on shutdown once its connection has settled.
 */
export abstract class QueueProcessor<Q extends string, R>
  extends WorkerHost
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  protected abstract readonly logger: Logger;

  /** `handlers`: a Record over the queue's job names, so the compiler refuses a job name without one. */
  protected constructor(
    protected readonly config: AppConfig,
    private readonly concurrency: number,
    private readonly handlers: Record<JobNameOn<Q>, (job: Job) => Promise<R>>,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    const { lockMs, stalledIntervalMs } = this.config.worker;
    Object.assign(this.worker.opts, { lockDuration: lockMs, stalledInterval: stalledIntervalMs, maxStalledCount: 3 });
    this.worker.concurrency = this.concurrency;
    void this.worker
      .run()
      .catch((error: unknown) => this.logger.error({ err: error }, `the ${this.worker.name} worker stopped`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await settleBeforeClose([this.worker]);
    await this.close();
  }

  /** Stops taking jobs and waits for those running. */
  protected close(): Promise<void> {
    return this.worker.close();
  }

  /** Runs the job's handler. A name without one fails the job for good: retrying cannot give it one. */
  protected handle(job: Job): Promise<R> {
    const handler = this.handlers[job.name as JobNameOn<Q>];
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
    return handler(job);
  }
}
