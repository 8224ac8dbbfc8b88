import { setTimeout as sleep } from 'node:timers/promises';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { RepeatedErrorLog } from '@conduit/observability';
import {
  ITEMS_QUEUE,
  JobName,
  parseJobData,
  RunItemUseCase,
  settleBeforeClose,
  WorkerStopping,
  type JobNameOn,
  type RunItemResult,
} from '@conduit/jobs';
import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';

type Handler = (data: unknown) => Promise<RunItemResult>;

/** After the calls are cut short, how long runs get to hand their items back before the worker closes anyway. */
const HAND_BACK_MS = 10_000;

/** Thin on purpose: reads ids from the job and calls one use case per job name. */
// Started by hand once the configuration is applied (decorator options are fixed at import time).
@Processor(ITEMS_QUEUE, { autorun: false })
export class ItemsProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ItemsProcessor.name);
  private readonly workerErrors: RepeatedErrorLog;
  // A Record over this queue's job names: the compiler refuses a job name without a handler.
  private readonly handlers: Record<JobNameOn<typeof ITEMS_QUEUE>, Handler>;

  constructor(
    runItem: RunItemUseCase,
    private readonly stopping: WorkerStopping,
    private readonly config: AppConfig,
  ) {
    super();
    this.workerErrors = new RepeatedErrorLog(this.logger, 'queue worker error', config.http.repeatIntervalMs);
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
   * SIGTERM: stop taking jobs, and runs start no new provider call (one about to hands its item
   * back). Calls on the wire get up to SHUTDOWN_GRACE_MS to finish; then they are cut short and
   * their items handed back too: back in line at once, never failed. Only then does Nest close the
   * HTTP client and the connections (`onApplicationShutdown`).
   */
  async beforeApplicationShutdown(): Promise<void> {
    await settleBeforeClose([this.worker]);
    this.stopping.stopNewCalls();
    const closed = this.worker.close();
    if (await finishesWithin(closed, this.config.worker.shutdownGraceMs)) return;
    this.logger.warn('calls outlasted SHUTDOWN_GRACE_MS: cutting them short; their items go back in line');
    this.stopping.cutCallsShort();
    if (!(await finishesWithin(closed, HAND_BACK_MS))) {
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
    const handler = this.handlers[job.name as JobNameOn<typeof ITEMS_QUEUE>];
    if (!handler) throw new Error(`no handler for job "${job.name}"`);
    const result = await handler(job.data);
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

async function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const over = sleep(ms, false, { ref: false });
  return Promise.race([work.then(() => true), over]);
}
