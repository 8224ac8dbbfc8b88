import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { withTimeout } from '@conduit/common';
import { AppConfig } from '@conduit/config';
import { RepeatedErrorLog } from '@conduit/observability';
import { ITEMS_QUEUE, JobName, parseJobData, RunItemUseCase, WorkerStopping, type RunItemResult } from '@conduit/jobs';
import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { QueueProcessor } from './queue-processor';

/** After the calls are cut short, how long runs get to hand their items back before the worker closes anyway. */
const HAND_BACK_MS = 10_000;

/** Thin on purpose: reads ids from the job and calls one use case per job name. */
@Processor(ITEMS_QUEUE, { autorun: false })
export class ItemsProcessor extends QueueProcessor<typeof ITEMS_QUEUE, RunItemResult> {
  protected readonly logger = new Logger(ItemsProcessor.name);
  private readonly workerErrors: RepeatedErrorLog;

  constructor(
    runItem: RunItemUseCase,
    private readonly stopping: WorkerStopping,
    config: AppConfig,
  ) {
    super(config, config.worker.concurrency, {
      [JobName.RunItem]: (job) => runItem.execute(parseJobData(JobName.RunItem, job.data)),
    });
    this.workerErrors = new RepeatedErrorLog(this.logger, 'queue worker error', config.http.repeatIntervalMs);
  }

  /**
   * SIGTERM: stop taking jobs, and runs start no new provider call (one about to hands its item
   * back). Calls on the wire get up to SHUTDOWN_GRACE_MS to finish; then they are cut short and
   * their items handed back too: back in line at once, never failed. Only then does Nest close the
   * HTTP client and the connections (`onApplicationShutdown`).
   */
  protected override async close(): Promise<void> {
    this.stopping.stopNewCalls();
    const closed = this.worker.close().then(() => true);
    if (await withTimeout(closed, this.config.worker.shutdownGraceMs, () => false)) return;
    this.logger.warn('calls outlasted SHUTDOWN_GRACE_MS: cutting them short; their items go back in line');
    this.stopping.cutCallsShort();
    if (!(await withTimeout(closed, HAND_BACK_MS, () => false))) {
      this.logger.warn('runs did not end after their calls were cut short; closing anyway (they will run again)');
    }
  }

  /** Without a listener BullMQ prints worker errors (e.g. after Redis lost its data) to the console. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.workerErrors.report(error);
  }

  /**
   * The run's end in BullMQ's terms: a failed item fails its job (for good: retrying cannot change
   * it), so an operator sees it as failed; an item that waits goes back to the queue, delayed until
   * it may run again.
   */
  async process(job: Job, token?: string): Promise<string> {
    const result = await this.handle(job);
    switch (result.status) {
      case 'failed':
        throw new UnrecoverableError(`${result.error.code}: ${result.error.message}`);
      case 'waiting':
        await job.log(`waiting until ${new Date(result.untilMs).toISOString()}: ${result.reason}`);
        if (result.untilMs <= Date.now()) {
          await job.moveToWait(token);
          throw new WaitingError();
        }
        await job.moveToDelayed(result.untilMs, token);
        throw new DelayedError();
      default:
        return result.status;
    }
  }
}
