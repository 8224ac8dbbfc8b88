import { Injectable } from '@nestjs/common';
import { PlatformBudget } from '@conduit/accounting';
import { ConduitError } from '@conduit/common';
import { ConnectionResolver, ProviderRegistry, type ProviderKind } from '@conduit/providers';
import { AccessGate } from '@conduit/tenancy';
import type { TaskKind } from '@conduit/tasks';
import { CircuitBreaker } from './breaker/circuit-breaker';
import { ProviderLimiter } from './limits/provider-limiter';
import { RoutingPoliciesService } from './routing-policies.service';

interface DryRunTarget {
  index: number;
  connection_id: string;
  model: string;
  usable: boolean;
  /** Why the executor would skip it now. */
  reason?: string;
}

export interface DryRunResult {
  task: string;
  version: number;
  chosen: DryRunTarget | null;
  targets: DryRunTarget[];
}

/**
 * Which target the executor would call now, and why the others would be skipped (gone, invalid,
 * region, platform budget, breaker open, over limits). Reads state only: no call, no reservation.
 */
@Injectable()
export class RoutingDryRun {
  constructor(
    private readonly policies: RoutingPoliciesService,
    private readonly connections: ConnectionResolver,
    private readonly registry: ProviderRegistry,
    private readonly gate: AccessGate,
    private readonly budget: PlatformBudget,
    private readonly breaker: CircuitBreaker,
    private readonly limiter: ProviderLimiter,
  ) {}

  async run(tenantId: string, task: string): Promise<DryRunResult> {
    const policy = await this.policies.current(tenantId, this.policies.taskKind(task) as TaskKind);
    if (!policy) throw ConduitError.notFound(`routing policy for ${task}`);
    const plan = await this.gate.planFor(tenantId);
    const targets: DryRunTarget[] = [];
    for (const [index, target] of policy.targets.entries()) {
      const reason = await this.whySkipped(tenantId, target, policy.constraints.region, plan);
      targets.push({
        index,
        connection_id: target.connection_id,
        model: target.model,
        usable: !reason,
        ...(reason ? { reason } : {}),
      });
    }
    return { task: policy.task, version: policy.version, chosen: targets.find((t) => t.usable) ?? null, targets };
  }

  private async whySkipped(
    tenantId: string,
    target: { connection_id: string; model: string },
    region: string | undefined,
    plan: Awaited<ReturnType<AccessGate['planFor']>>,
  ): Promise<string | undefined> {
    const found = await this.connections.inspect(tenantId, target.connection_id, plan?.platform_connections ?? false);
    if (!found.usable) return found.reason;
    if (region && found.region !== region) return `not in region ${region} (${found.region ?? 'untagged'})`;
    if (found.platform && plan?.monthly_token_budget != null) {
      if ((await this.budget.usedThisMonth(tenantId)) >= plan.monthly_token_budget) return 'platform budget spent';
    }
    if (!this.registry.get(found.entity.kind as ProviderKind)) return `no adapter for ${found.entity.kind}`;
    const breaker = await this.breaker.peek({ connectionId: target.connection_id, model: target.model });
    if (breaker.state === 'open') return `circuit breaker open (${breaker.failures} recent failures)`;
    const limits = await this.limiter.peek(target.connection_id, found.limits);
    if (!limits.verdict.ok) return limits.verdict.reason;
    return undefined;
  }
}
