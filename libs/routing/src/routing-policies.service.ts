import { Injectable } from '@nestjs/common';
import { ConduitError, ErrorCode, perGroup, tickBatcher, validationError } from '@conduit/common';
import { RoutingPolicyEntity, TenantScope, type RoutingConstraints, type RoutingTarget } from '@conduit/db';
import { ConnectionsService } from '@conduit/providers';
import { isTaskKind, TASK_KINDS, type TaskKind } from '@conduit/tasks';
import { AccessGate, AuditLog, type Actor } from '@conduit/tenancy';
import { DataSource, QueryFailedError } from 'typeorm';

interface PolicyInput {
  targets: RoutingTarget[];
  constraints?: RoutingConstraints;
}

const UNIQUE_VIOLATION = '23505';

/** Per-task routing policies. Append-only: a change is a new version, and history is kept. */
@Injectable()
export class RoutingPoliciesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scope: TenantScope,
    private readonly audit: AuditLog,
    private readonly connections: ConnectionsService,
    private readonly gate: AccessGate,
  ) {}

  async put(actor: Actor, tenantId: string, task: string, input: PolicyInput): Promise<RoutingPolicyEntity> {
    const kind = this.taskKind(task);
    const ids = [...new Set(input.targets.map((t) => t.connection_id))];
    const platformAllowed = (await this.gate.planFor(tenantId))?.platform_connections ?? false;
    const missing = new Set(await this.connections.missing(tenantId, ids, platformAllowed));
    if (missing.size > 0) {
      throw validationError(
        input.targets.flatMap((target, i) =>
          missing.has(target.connection_id)
            ? [{ path: `targets[${i}].connection_id`, message: 'no such connection' }]
            : [],
        ),
      );
    }
    const latest = await this.current(tenantId, kind);
    const version = (latest?.version ?? 0) + 1;
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [created] = await this.scope.repository(RoutingPolicyEntity, tenantId, manager).insert([
          {
            task: kind,
            version,
            targets: input.targets,
            constraints: input.constraints ?? {},
            updatedBy: actor.type === 'api_key' ? actor.apiKeyId : null,
          },
        ]);
        await this.audit.record(
          actor,
          {
            tenantId,
            action: 'routing.update',
            targetType: 'routing_policy',
            targetId: created.id,
            change: { task: kind, version, targets: input.targets, constraints: input.constraints ?? {} },
          },
          manager,
        );
        return created;
      });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ConduitError(ErrorCode.Conflict, `the ${kind} policy was changed at the same time; try again`);
      }
      throw error;
    }
  }

  /** The policy in force for a task, or null when the tenant has none. */
  async current(tenantId: string, task: TaskKind): Promise<RoutingPolicyEntity | null> {
    return (await this.inForce(tenantId))[task];
  }

  /**
   * The policy in force for every task kind, read fresh. Calls made together (a worker's concurrent
   * jobs) share one query per tenant; a job asks before it knows its item's task, beside its claim.
   */
  inForce(tenantId: string): Promise<Record<TaskKind, RoutingPolicyEntity | null>> {
    return this.inForceByTenant.load(tenantId);
  }

  private readonly inForceByTenant = tickBatcher<string, Record<TaskKind, RoutingPolicyEntity | null>>(
    perGroup(
      (tenantId) => tenantId,
      async (tenantId, keys) => {
        const byTask = await this.currentAll(tenantId);
        return keys.map(() => byTask);
      },
    ),
  );

  /** Every version of a task's policy, newest first: who changed what, when. */
  versions(
    tenantId: string,
    task: string,
    options: { beforeVersion?: number; limit: number },
  ): Promise<RoutingPolicyEntity[]> {
    const kind = this.taskKind(task);
    const query = this.scope
      .repository(RoutingPolicyEntity, tenantId)
      .queryBuilder('p')
      .andWhere('p.task = :kind', { kind });
    if (options.beforeVersion !== undefined) query.andWhere('p.version < :before', { before: options.beforeVersion });
    return query.orderBy('p.version', 'DESC').limit(options.limit).getMany();
  }

  /** The current policy of every task kind (null where none is set). */
  async currentAll(tenantId: string): Promise<Record<TaskKind, RoutingPolicyEntity | null>> {
    const latest = await this.scope
      .repository(RoutingPolicyEntity, tenantId)
      .queryBuilder('p')
      .distinctOn(['p.task'])
      .orderBy('p.task')
      .addOrderBy('p.version', 'DESC')
      .getMany();
    const byTask = new Map(latest.map((p) => [p.task, p]));
    return Object.fromEntries(TASK_KINDS.map((kind) => [kind, byTask.get(kind) ?? null])) as Record<
      TaskKind,
      RoutingPolicyEntity | null
    >;
  }

  /** The task kind named in a route, or 400 `unsupported_task`. */
  taskKind(task: string): TaskKind {
    if (isTaskKind(task)) return task;
    throw new ConduitError(ErrorCode.UnsupportedTask, `unknown task "${task}" (tasks: ${TASK_KINDS.join(', ')})`);
  }
}
