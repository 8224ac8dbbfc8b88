import { ApiKeyEntity } from './api-key.entity';
import { AttemptEntity } from './attempt.entity';
import { AuditEventEntity } from './audit-event.entity';
import { BatchEntity } from './batch.entity';
import { ItemEntity } from './item.entity';
import { ModelPriceEntity } from './model-price.entity';
import { ProviderConnectionEntity } from './provider-connection.entity';
import { RoutingPolicyEntity } from './routing-policy.entity';
import { TenantEntity } from './tenant.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookSecretEntity } from './webhook-secret.entity';

export * from './api-key.entity';
export * from './attempt.entity';
export * from './audit-event.entity';
export * from './batch.entity';
export * from './item.entity';
export * from './model-price.entity';
export * from './provider-connection.entity';
export * from './routing-policy.entity';
export * from './tenant.entity';
export * from './webhook-delivery.entity';
export * from './webhook-secret.entity';

export const ENTITIES = [
  TenantEntity,
  ApiKeyEntity,
  ProviderConnectionEntity,
  RoutingPolicyEntity,
  BatchEntity,
  ItemEntity,
  AttemptEntity,
  AuditEventEntity,
  ModelPriceEntity,
  WebhookSecretEntity,
  WebhookDeliveryEntity,
];
