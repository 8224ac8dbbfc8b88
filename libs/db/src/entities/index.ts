import { ApiKeyEntity } from './api-key.entity';
import { AttemptEntity } from './attempt.entity';
import { AuditEventEntity } from './audit-event.entity';
import { BatchEntity } from './batch.entity';
import { ItemEntity } from './item.entity';
import { ProviderConnectionEntity } from './provider-connection.entity';
import { RoutingPolicyEntity } from './routing-policy.entity';
import { TenantEntity } from './tenant.entity';

export * from './api-key.entity';
export * from './attempt.entity';
export * from './audit-event.entity';
export * from './batch.entity';
export * from './item.entity';
export * from './provider-connection.entity';
export * from './routing-policy.entity';
export * from './tenant.entity';

export const ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  ProviderConnectionEntity,
  RoutingPolicyEntity,
  BatchEntity,
  ItemEntity,
  AttemptEntity,
  AuditEventEntity,
];
