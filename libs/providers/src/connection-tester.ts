import { Injectable } from '@nestjs/common';
import { ConduitError, ErrorCode } from '@conduit/common';
import { ProviderConnectionEntity, type ConnectionTestResult } from '@conduit/db';
import { EgressError } from '@conduit/egress';
import { AuditLog, type Actor } from '@conduit/tenancy';
import { DataSource } from 'typeorm';
import type { ProviderKind } from './completion';
import { ConnectionResolver } from './connection-resolver';
import { ConnectionsService, type ConnectionOwner } from './connections.service';
import { ProviderError, ProviderErrorClass } from './provider-error';
import { ProviderRegistry } from './provider-registry';

const TEST_TIMEOUT_MS = 15_000;

export interface ConnectionTestOutcome {
  ok: true;
  latency_ms: number;
  models: string[];
}

/**
 * `POST /v1/connections/:id/test`: one real call through the egress guard that lists the models.
 * Success stores them and marks the connection active; a refused key marks it invalid.
 */
@Injectable()
export class ConnectionTester {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connections: ConnectionsService,
    private readonly resolver: ConnectionResolver,
    private readonly registry: ProviderRegistry,
    private readonly audit: AuditLog,
  ) {}

  async test(actor: Actor, owner: ConnectionOwner, id: string): Promise<ConnectionTestOutcome> {
    const entity = await this.connections.get(owner, id);
    const adapter = this.registry.get(entity.kind as ProviderKind);
    if (!adapter) throw new ConduitError(ErrorCode.ConnectionTestFailed, `no adapter for kind "${entity.kind}"`);

    const started = performance.now();
    let models: string[] | undefined;
    let failure: ProviderError | undefined;
    try {
      models = await adapter.listModels(this.resolver.open(entity), AbortSignal.timeout(TEST_TIMEOUT_MS));
    } catch (error) {
      failure = asProviderError(error);
    }
    const latencyMs = Math.round(performance.now() - started);
    const lastTest: ConnectionTestResult = {
      ok: !failure,
      at: new Date().toISOString(),
      latency_ms: latencyMs,
      ...(failure ? { error: { code: failure.errorClass, message: failure.message } } : {}),
    };

    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(ProviderConnectionEntity).update(
        { id },
        failure
          ? {
              lastTest,
              ...(failure.errorClass === ProviderErrorClass.AuthFailed
                ? { status: 'invalid' as const, statusReason: failure.message }
                : {}),
            }
          : { lastTest, models, status: 'active', statusReason: null },
      );
      await this.audit.record(
        actor,
        {
          tenantId: owner,
          action: 'connection.test',
          targetType: 'connection',
          targetId: id,
          change: { ok: !failure },
        },
        manager,
      );
    });

    if (failure) {
      const code =
        failure.errorClass === ProviderErrorClass.EgressBlocked
          ? ErrorCode.EgressBlocked
          : ErrorCode.ConnectionTestFailed;
      throw new ConduitError(code, `${failure.errorClass}: ${failure.message}`);
    }
    return { ok: true, latency_ms: latencyMs, models: models ?? [] };
  }
}

/** Adapters classify their own failures; the transport's refusals arrive as EgressError. */
function asProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof EgressError) {
    const errorClass = {
      egress_blocked: ProviderErrorClass.EgressBlocked,
      timeout: ProviderErrorClass.Timeout,
      network: ProviderErrorClass.Network,
    }[error.failure];
    return new ProviderError(errorClass, error.message);
  }
  throw error;
}
