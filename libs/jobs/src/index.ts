export { JobsModule } from './jobs.module';
export { BatchesService, type BatchDetails, type ItemDetails, type Page, type Submitter } from './batches.service';
export { RunItemUseCase, type RunItemResult } from './run-item.usecase';
export { ItemFeeder, type FeedRound } from './scheduling/item-feeder';
export { Reconciler, type ReconcileReport } from './scheduling/reconciler';
export { SchedulerService } from './scheduling/scheduler.service';
export { settleBeforeClose } from './queue-shutdown';
export { WorkerStopping } from './worker-stopping';
export { submitBatchSchema, validateItems, MAX_ITEMS_PER_JSON_BATCH, type SubmitBatchInput } from './batch-input';
export type { ItemCounts } from './batch-progress';
export {
  ITEMS_QUEUE,
  WEBHOOKS_QUEUE,
  JOB_QUEUES,
  JobName,
  JOB_SCHEMAS,
  DEFAULT_JOB_OPTIONS,
  parseJobData,
  type JobData,
  type ConduitJob,
  type JobNameOn,
} from './job-catalogue';
export * from './webhooks';
