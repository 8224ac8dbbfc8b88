import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { ITEMS_QUEUE, JobName, parseJobData, RunItemUseCase, type RunItemResult } from '@conduit/jobs';
import type { Job } from 'bullmq';

type Handler = (data: unknown) => Promise<RunItemResult>;

/** Thin on purpose: reads ids from the job and calls one use case per job name. */
@Processor(ITEMS_QUEUE)
export class ItemsProcessor extends WorkerHost implements OnApplicationBootstrap {
  // A Record over JobName: the compiler refuses a job name without a handler.
  private readonly handlers: Record<JobName, Handler>;

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
    this.worker.concurrency = this.config.worker.concurrency;
  }

  process(job: Job): Promise<RunItemResult> {
    const handler = this.handlers[job.name as JobName];
    if (!handler) throw new Error(`no handler for job "${job.name}"`);
    return handler(job.data);
  }
}
