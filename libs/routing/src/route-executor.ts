import { Injectable } from '@nestjs/common';
import { PlatformBudget, targetKey, type FailedCalls } from '@conduit/accounting';
import type { PlanRules } from '@conduit/config';
import type { AttemptCompletion, RoutingPolicyEntity, RoutingTarget } from '@conduit/db';
import {
  ConnectionResolver,
  ProviderErrorClass,
  ProviderRegistry,
  type CompletionRequest,
  type ConnectionsRead,
} from '@conduit/providers';
import type { TaskKind, TaskPrompt } from '@conduit/tasks';
import { FAILURE_RULES } from './failure-rules';
import { RoutingPoliciesService } from './routing-policies.service';
import { TargetRunner, type TargetJob } from './target-runner';

/** What routing reads before an item's first call: read beside the item's claim, fresh for each job. */
export interface TenantRoutes {
  policies: Record<TaskKind, RoutingPolicyEntity | null>;
  connections: ConnectionsRead;
}

interface ExecutionInput extends TargetJob {
  policy: RoutingPolicyEntity;
  /** The tenant's plan: whether platform connections may be used, and their monthly budget. */
  plan: PlanRules;
  /**
   * Connection rows read with the policy (`readRoutes`), for the first target. A later target is
   * tried after failures, maybe seconds later, so its connection is read again.
   */
  connections?: ConnectionsRead;
  /** The item's failed calls in earlier runs, per target (`targetKey`): they count against its retries. */
  failedBefore?: ReadonlyMap<string, FailedCalls>;
}

interface ExecutionFailure {
  code: string;
  message: string;
}

/** Why no target can be called now though one may be later, and when to look again. */
interface ExecutionWait {
  retryInMs: number;
  reason: string;
}

/**
 * What happened to an item: a checked result from one target; why every target failed; or that it
 * must wait, since no target can be called now but one may be later (a breaker is open, a
 * connection is over its limits) or the worker is stopping (`retryInMs` 0).
 */
export type ExecutionOutcome =
  /** `attempt`: the answering call's completion, to be written with the item's result. */
  | { ok: true; result: unknown; connectionId: string; model: string; attempt: AttemptCompletion }
  | { ok: false; error: ExecutionFailure; connectionId?: string; model?: string }
  | { ok: false; wait: ExecutionWait };

/**
 * Runs one item through its policy: targets in order, skipping those that cannot be used (gone,
 * invalid, outside the region, over the platform budget, their calls spent in earlier runs) or not
 * now (breaker open, over limits), failing over as the error table (`FAILURE_RULES`) allows.
 * `TargetRunner` calls each target.
 */
@Injectable()
export class RouteExecutor {
  constructor(
    private readonly connections: ConnectionResolver,
    private readonly policies: RoutingPoliciesService,
    private readonly registry: ProviderRegistry,
    private readonly budget: PlatformBudget,
    private readonly runner: TargetRunner,
  ) {}

  /** The tenant's policies in force and its connections, read together (one wait). */
  async readRoutes(tenantId: string): Promise<TenantRoutes> {
    const [policies, connections] = await Promise.all([
      this.policies.inForce(tenantId),
      this.connections.readFor(tenantId),
    ]);
    return { policies, connections };
  }

  async execute(job: ExecutionInput): Promise<ExecutionOutcome> {
    const prompt = job.task.buildPrompt(job.input);
    const unusable: string[] = [];
    let overBudget = 0;
    let lastFailure: Extract<ExecutionOutcome, { error: ExecutionFailure }> | undefined;
    let soonest: number | undefined;

    for (const [targetIndex, target] of job.policy.targets.entries()) {
      const resolved = await this.connections.resolveForCall(
        job.tenantId,
        target.connection_id,
        job.plan.platform_connections,
        targetIndex === 0 ? job.connections : undefined,
      );
      if (!resolved.usable) {
        unusable.push(resolved.reason);
        continue;
      }
      const region = job.policy.constraints.region;
      if (region && resolved.region !== region) {
        // Data residency fails closed: a target outside the region is never called.
        unusable.push(`connection "${resolved.name}" is not in region ${region} (${resolved.region ?? 'untagged'})`);
        continue;
      }
      if (resolved.platform && (await this.budgetSpent(job))) {
        overBudget += 1;
        unusable.push(`the plan's monthly token budget for platform connections is spent ("${resolved.name}")`);
        continue;
      }
      const adapter = this.registry.get(resolved.connection.kind);
      if (!adapter) {
        unusable.push(`connections of kind "${resolved.connection.kind}" cannot be called`);
        continue;
      }
      const before = job.failedBefore?.get(targetKey(target.connection_id, target.model));
      if (before && before.calls >= this.runner.maxCalls(target)) {
        unusable.push(`target ${targetIndex + 1} (${target.model}) made its ${before.calls} calls in earlier runs`);
        lastFailure = failureOf(
          targetIndex,
          target,
          before.lastOutcome,
          `${before.calls} calls failed in earlier runs`,
        );
        continue;
      }

      const outcome = await this.runner.run({
        job,
        target,
        targetIndex,
        connection: resolved.connection,
        limits: resolved.limits,
        adapter,
        request: buildRequest(job, prompt, target),
        failedBefore: before?.calls ?? 0,
      });
      if (outcome.ok) return outcome;
      if ('stopped' in outcome) return { ok: false, wait: { retryInMs: 0, reason: 'the worker is stopping' } };
      if ('skipped' in outcome) {
        unusable.push(`connection "${resolved.name}" ${outcome.skipped}`);
        soonest = Math.min(soonest ?? Infinity, outcome.retryInMs);
        continue;
      }

      const { failure } = outcome;
      if (failure.errorClass === ProviderErrorClass.AuthFailed) {
        await this.connections.markInvalid(resolved.connection.id, `the provider refused the key: ${failure.message}`);
      }
      lastFailure = failureOf(targetIndex, target, failure.errorClass, failure.message);
      if (!FAILURE_RULES[failure.errorClass].tryNextTarget) return lastFailure;
    }

    // A target that may be callable later (breaker open, over its limits): wait for it, rather
    // than fail an item that is not waited on by a user; the item's deadline bounds the wait.
    if (soonest !== undefined) return { ok: false, wait: { retryInMs: soonest, reason: unusable.join('; ') } };
    if (lastFailure) return lastFailure;
    const why = unusable.length > 0 ? unusable.join('; ') : 'the policy has no targets';
    // Every target skipped for the budget: say so; otherwise no target could be used at all.
    const code = overBudget > 0 && overBudget === unusable.length ? 'budget_exceeded' : 'no_route';
    return { ok: false, error: { code, message: `no usable target: ${why}` } };
  }

  private async budgetSpent(job: ExecutionInput): Promise<boolean> {
    const budget = job.plan.monthly_token_budget;
    return budget !== null && (await this.budget.usedThisMonth(job.tenantId)) >= budget;
  }
}

function failureOf(
  targetIndex: number,
  target: RoutingTarget,
  code: string,
  message: string,
): Extract<ExecutionOutcome, { error: ExecutionFailure }> {
  return {
    ok: false,
    error: { code, message: `target ${targetIndex + 1} (${target.model}): ${message}` },
    connectionId: target.connection_id,
    model: target.model,
  };
}

function buildRequest(job: ExecutionInput, prompt: TaskPrompt, target: RoutingTarget): CompletionRequest {
  return {
    ...prompt,
    model: target.model,
    temperature: target.params?.temperature ?? 0,
    maxOutputTokens: target.params?.max_output_tokens ?? prompt.maxOutputTokens,
    task: { kind: job.task.kind, input: job.input },
  };
}
