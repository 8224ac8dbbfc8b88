import { Injectable, Logger } from '@nestjs/common';
import { AttemptRecorder } from '@conduit/accounting';
import { AppConfig } from '@conduit/config';
import { retryOnConnectionLoss, type AttemptCompletion, type ClaimedItem, type ItemError } from '@conduit/db';
import { RouteExecutor, type ExecutionOutcome, type TenantRoutes } from '@conduit/routing';
import { getTask, isTaskKind } from '@conduit/tasks';
import { AccessGate, type GateDecision } from '@conduit/tenancy';
import { BatchProgress } from './batch-progress';
import { ItemLeases } from './item-leases';
import { ItemRuns, type ItemEnd } from './item-runs';
import { ItemFeeder } from './scheduling/item-feeder';
import { WorkerStopping } from './worker-stopping';
import type { JobData, JobName } from './job-catalogue';

/**
 * How a run ended: the item's outcome; `skipped` (finished or gone, or another run's); or `waiting`:
 * the item is back in line and its job should run again at `untilMs` (no target could be called
 * now, another live run holds it, or the worker is stopping).
 */
export type RunItemResult =
  | { status: 'succeeded' | 'skipped' }
  | { status: 'failed'; error: ItemError }
  | { status: 'waiting'; untilMs: number; reason: string };

const SKIPPED: RunItemResult = { status: 'skipped' };

/** A job whose item another live run holds looks again this long after that lease would end. */
const AFTER_LEASE_MS = 1_000;

/**
 * Runs one queued item: claim it (a lease, renewed while it runs), route it through the tenant's
 * policy, and record the outcome with a conditional update, so a duplicated or re-delivered job
 * never writes a second result nor makes a second call while a run of the item is alive.
 */
@Injectable()
export class RunItemUseCase {
  private readonly logger = new Logger(RunItemUseCase.name);

  constructor(
    private readonly items: ItemRuns,
    private readonly leases: ItemLeases,
    private readonly executor: RouteExecutor,
    private readonly attempts: AttemptRecorder,
    private readonly progress: BatchProgress,
    private readonly gate: AccessGate,
    private readonly feeder: ItemFeeder,
    private readonly stopping: WorkerStopping,
    private readonly config: AppConfig,
  ) {}

  async execute(ref: JobData<JobName.RunItem>): Promise<RunItemResult> {
    // A second job of an item this process runs (the first one's Redis state was lost): wait for the first.
    if (this.leases.holds(ref.itemId)) return waitFor(this.leases.lease.ms, 'a run of this worker holds the item');
    // The gate and the tenant's routes are read beside the claim (one wait, not four); they are still
    // read fresh for this job.
    const gate = this.gate.decideFor(ref.tenantId);
    const routes = this.executor.readRoutes(ref.tenantId);
    gate.catch(() => undefined); // awaited once the item is claimed, or moot
    routes.catch(() => undefined);
    const claim = await this.items.claim(ref);
    if (!claim) return SKIPPED;
    if (!('item' in claim)) return waitFor(claim.heldForMs + AFTER_LEASE_MS, 'a live run elsewhere holds the item');

    this.leases.hold(ref);
    try {
      return await this.run(claim.item, await gate, await routes);
    } catch (error) {
      // Unexpected (a bug, or a database outage that outlasted the retries): BullMQ runs the job
      // again; the item is let go at once, with the error left on it as evidence.
      const message = error instanceof Error ? error.message : String(error);
      await this.items.abandon(ref, { code: 'run_failed', message: message.slice(0, 500) }).catch(() => undefined);
      throw error;
    } finally {
      this.leases.letGo(ref.itemId);
    }
  }

  private async run(item: ClaimedItem, gate: GateDecision, routes: TenantRoutes): Promise<RunItemResult> {
    const { itemMaxRuns, itemDeadlineMs } = this.config.worker;
    if (item.interruptedRuns >= itemMaxRuns) {
      // A poison item: each run so far was cut short (its worker died or stalled, or the run threw).
      const last = item.error?.message ?? 'none recorded (the worker stopped or stalled)';
      const message = `the item's run was cut short ${item.interruptedRuns} times (ITEM_MAX_RUNS); the last error: ${last}`;
      return this.end(item, failed({ code: 'run_limit_exceeded', message }, null));
    }

    const outcome = await this.route(item, gate, routes);
    if (!('wait' in outcome)) return this.end(item, endOf(outcome), outcome.ok ? outcome.attempt : undefined);

    const { retryInMs, reason } = outcome.wait;
    const deadline = item.createdAt.getTime() + itemDeadlineMs;
    if (retryInMs > 0 && Date.now() >= deadline) {
      const message = `no target could be called before the item's deadline (ITEM_DEADLINE_MS): ${reason}`;
      return this.end(item, failed({ code: 'deadline_exceeded', message }, outcome.policyVersion));
    }
    // Spread the items that wait for the same breaker or limit, so they do not all come back at once;
    // the last look is at the deadline.
    const untilMs = Math.min(Date.now() + Math.round(retryInMs * (1 + Math.random() / 2)), deadline);
    const givenBack = await this.store(() => this.items.giveBack({ tenantId: item.tenantId, itemId: item.id }));
    return givenBack ? { status: 'waiting', untilMs, reason } : SKIPPED;
  }

  /** Stores the item's outcome and closes its batch if it was the last; the call is not made again. */
  private async end(item: ClaimedItem, end: ItemEnd, attempt?: AttemptCompletion): Promise<RunItemResult> {
    const ref = { tenantId: item.tenantId, itemId: item.id };
    const finished = await this.store(() => this.items.finish(ref, end, attempt));
    if (!finished) {
      this.logger.warn({ itemId: item.id }, 'item was finished by another run; this result was discarded');
      return SKIPPED;
    }
    this.feeder.nudge(item.tenantId); // a slot of this tenant is free: top it up now, not at the next feeder round
    await this.store(() => this.progress.completeIfDone(item.tenantId, item.batchId));
    return end.error ? { status: 'failed', error: end.error } : { status: 'succeeded' };
  }

  /** A write that must not be lost: sent again while the database connection is lost, until the worker stops. */
  private store<T>(write: () => Promise<T>): Promise<T> {
    return retryOnConnectionLoss(write, {
      signal: this.stopping.signals.cutCalls,
      onRetry: (error) => this.logger.warn({ err: error }, 'the database connection was lost; storing again'),
    });
  }

  private async route(
    item: ClaimedItem,
    gate: GateDecision,
    routes: TenantRoutes,
  ): Promise<ExecutionOutcome & { policyVersion: number | null }> {
    // Fail closed at run time too: a tenant suspended after submitting gets no provider call.
    if (!gate.allowed) {
      return {
        ok: false,
        error: { code: 'tenant_inactive', message: `AI work is not allowed: ${gate.reason}` },
        policyVersion: null,
      };
    }
    const task = isTaskKind(item.task) ? getTask(item.task) : undefined;
    const policy = task ? routes.policies[task.kind] : null;
    if (!task || !policy || policy.targets.length === 0) {
      const error = { code: 'no_route', message: `no routing policy is set for the ${item.task} task` };
      return { ok: false, error, policyVersion: policy?.version ?? null };
    }
    // An item that ran before (it waited, or its run was cut short) resumes its retries where they were.
    const failedBefore = item.runs > 1 ? await this.attempts.failedCallsOf(item.tenantId, item.id) : undefined;
    const outcome = await this.executor.execute({
      tenantId: item.tenantId,
      batchId: item.batchId,
      itemId: item.id,
      task,
      input: item.input,
      policy,
      plan: gate.plan,
      connections: routes.connections,
      failedBefore,
      stop: this.stopping.signals,
    });
    return { ...outcome, policyVersion: policy.version };
  }
}

function waitFor(ms: number, reason: string): RunItemResult {
  return { status: 'waiting', untilMs: Date.now() + ms, reason };
}

function failed(error: ItemError, policyVersion: number | null): ItemEnd {
  return { status: 'failed', result: null, error, connectionId: null, model: null, policyVersion };
}

function endOf(outcome: Exclude<ExecutionOutcome, { wait: unknown }> & { policyVersion: number | null }): ItemEnd {
  return outcome.ok
    ? {
        status: 'succeeded',
        result: outcome.result,
        error: null,
        connectionId: outcome.connectionId,
        model: outcome.model,
        policyVersion: outcome.policyVersion,
      }
    : {
        status: 'failed',
        result: null,
        error: outcome.error,
        connectionId: outcome.connectionId ?? null,
        model: outcome.model ?? null,
        policyVersion: outcome.policyVersion,
      };
}
