import { Injectable } from '@nestjs/common';
import { ConduitError, ErrorCode, tickBatcher } from '@conduit/common';
import { AppConfig, type PlanRules } from '@conduit/config';
import { TenantEntity, type TenantStatus } from '@conduit/db';
import { DataSource, In } from 'typeorm';

/** Statuses that may run AI work. Anything else, including statuses added later, is denied. */
const ACTIVE_STATUSES: readonly TenantStatus[] = ['active', 'trialing'];

export type GateDecision = { allowed: true; plan: PlanRules } | { allowed: false; reason: string };

/**
 * Whether a tenant may run AI work now. Fails closed: an unknown tenant, a status outside the
 * allow-list or a plan that is not configured are all denied. Asked at submit and again by the
 * worker before any provider call.
 */
@Injectable()
export class AccessGate {
  // Fresh on every call; calls made together (a worker's concurrent jobs) share one SELECT.
  private readonly tenants = tickBatcher<string, Pick<TenantEntity, 'id' | 'status' | 'plan'> | null>(async (ids) => {
    const rows = await this.dataSource
      .getRepository(TenantEntity)
      .find({ where: { id: In([...new Set(ids)]) }, select: { id: true, status: true, plan: true } });
    return ids.map((id) => rows.find((row) => row.id === id) ?? null);
  });

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  decide(tenant: { status: string; plan: string } | null): GateDecision {
    if (!tenant) return { allowed: false, reason: 'the tenant does not exist' };
    if (!ACTIVE_STATUSES.includes(tenant.status as TenantStatus)) {
      return { allowed: false, reason: `the tenant is ${tenant.status}` };
    }
    const plan = this.config.tenancy.plans.get(tenant.plan);
    if (!plan) return { allowed: false, reason: `the plan "${tenant.plan}" is not available` };
    return { allowed: true, plan };
  }

  /** Looks the tenant up fresh (no cache: a suspension takes effect at once). */
  async decideFor(tenantId: string): Promise<GateDecision> {
    return this.decide(await this.tenants.load(tenantId));
  }

  /** The rules of the tenant's plan whatever its status (undefined for an unknown plan or tenant). */
  async planFor(tenantId: string): Promise<PlanRules | undefined> {
    const tenant = await this.dataSource
      .getRepository(TenantEntity)
      .findOne({ where: { id: tenantId }, select: { id: true, plan: true } });
    return tenant ? this.config.tenancy.plans.get(tenant.plan) : undefined;
  }

  assertAllowed(tenant: { status: string; plan: string }): PlanRules {
    const decision = this.decide(tenant);
    if (!decision.allowed) {
      throw new ConduitError(ErrorCode.TenantInactive, `AI work is not allowed: ${decision.reason}`);
    }
    return decision.plan;
  }
}
