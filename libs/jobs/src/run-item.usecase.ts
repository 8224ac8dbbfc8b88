import { Injectable, Logger } from '@nestjs/common';
import type { ItemEntity } from '@conduit/db';
import { RouteExecutor, type ExecutionOutcome, type TenantRoutes } from '@conduit/routing';
import { getTask, isTaskKind } from '@conduit/tasks';
import { AccessGate, type GateDecision } from '@conduit/tenancy';
import { BatchProgress } from './batch-progress';
import { ItemRuns } from './item-runs';
import { ItemFeeder } from './scheduling/item-feeder';
import type { JobData, JobName } from './job-catalogue';

export type RunItemResult = 'succeeded' | 'failed' | 'skipped';

/**
 * Runs one queued item: claim it, route it through the tenant's policy, and record the outcome
 * with a conditional update, so a duplicated or re-delivered job never writes a second result.
 */
@Injectable()
export class RunItemUseCase {
  private readonly logger = new Logger(RunItemUseCase.name);

  constructor(
    private readonly items: ItemRuns,
    private readonly executor: RouteExecutor,
    private readonly progress: BatchProgress,
    private readonly gate: AccessGate,
    private readonly feeder: ItemFeeder,
  ) {}

  async execute({ tenantId, itemId }: JobData<JobName.RunItem>): Promise<RunItemResult> {
    // The gate and the tenant's routes are read beside the claim (one wait, not four); they are still
    // read fresh for this job.
    const [item, gate, routes] = await Promise.all([
      this.items.claim({ tenantId, itemId }),
      this.gate.decideFor(tenantId),
      this.executor.readRoutes(tenantId),
    ]);
    if (!item) return 'skipped';

    const outcome = await this.route(item, gate, routes);
    const finished = await this.items.finish(
      { tenantId, itemId },
      outcome.ok
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
          },
      outcome.ok ? outcome.attempt : undefined,
    );
    if (!finished) {
      this.logger.warn({ itemId }, 'item was finished by another run; this result was discarded');
      return 'skipped';
    }
    this.feeder.nudge(tenantId); // a slot of this tenant is free: top it up now, not at the next feeder round
    await this.progress.completeIfDone(tenantId, item.batchId);
    return outcome.ok ? 'succeeded' : 'failed';
  }

  private async route(
    item: ItemEntity,
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
    const outcome = await this.executor.execute({
      tenantId: item.tenantId,
      batchId: item.batchId,
      itemId: item.id,
      task,
      input: item.input,
      policy,
      plan: gate.plan,
      connections: routes.connections,
    });
    return { ...outcome, policyVersion: policy.version };
  }
}
