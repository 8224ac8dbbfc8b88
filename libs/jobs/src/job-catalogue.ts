import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Every job Conduit queues, shared by the API (which enqueues) and the worker (which processes).
 * A payload is checked against its schema when it is enqueued and again when it is processed.
 * Payloads carry ids only: never an input text, never a secret.
 */
export const ITEMS_QUEUE = 'items';
/** Webhook deliveries: their own queue, so slow receivers never hold up items. */
export const WEBHOOKS_QUEUE = 'webhooks';

export enum JobName {
  RunItem = 'item.run',
  DeliverWebhook = 'webhook.deliver',
}

export const JOB_SCHEMAS = {
  [JobName.RunItem]: z.strictObject({ tenantId: z.uuid(), itemId: z.uuid() }),
  [JobName.DeliverWebhook]: z.strictObject({ tenantId: z.uuid(), batchId: z.uuid(), deliveryId: z.uuid() }),
} satisfies Record<JobName, z.ZodType>;

/** The queue each job goes to; a processor handles exactly the names of its queue. */
export const JOB_QUEUES = {
  [JobName.RunItem]: ITEMS_QUEUE,
  [JobName.DeliverWebhook]: WEBHOOKS_QUEUE,
} as const satisfies Record<JobName, string>;

/** The job names that go to `queue`. */
export type JobNameOn<Q extends string> = { [N in JobName]: (typeof JOB_QUEUES)[N] extends Q ? N : never }[JobName];

export type JobData<N extends JobName> = z.infer<(typeof JOB_SCHEMAS)[N]>;

/** A job as BullMQ carries it: `{ name, data }`, the data typed by the name. */
export type ConduitJob = { [N in JobName]: { name: N; data: JobData<N> } }[JobName];

export function parseJobData<N extends JobName>(name: N, data: unknown): JobData<N> {
  return JOB_SCHEMAS[name].parse(data) as JobData<N>;
}

/**
 * Queue defaults in one place. The executor retries provider calls itself; BullMQ's attempts
 * only cover what it could not (a crash, a lost database connection).
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  // Failed jobs stay a week for inspection in Bull Board.
  removeOnFail: { age: 7 * 24 * 3600 },
  // A job's log says why its item waited (a breaker, limits); the latest lines are enough.
  keepLogs: 20,
};
