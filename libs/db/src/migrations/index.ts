import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { AuditAndConnectionStatus1763900000000 } from './1763900000000-audit-and-connection-status';
import { ItemDispatch1764000000000 } from './1764000000000-item-dispatch';
import { Webhooks1764100000000 } from './1764100000000-webhooks';
import { ModelPrices1764200000000 } from './1764200000000-model-prices';
import { AttemptsFillfactor1764300000000 } from './1764300000000-attempts-fillfactor';
import { DispatchCursor1764400000000 } from './1764400000000-dispatch-cursor';
import { ItemsBatchTenantKey1764500000000 } from './1764500000000-items-batch-tenant-key';
import { TokenClassPrices1764600000000 } from './1764600000000-token-class-prices';
import { ItemLeases1764700000000 } from './1764700000000-item-leases';

/** Every migration, oldest first. Listed as classes so bundled builds need no file globbing. */
export const MIGRATIONS = [
  InitialSchema1763800000000,
  AuditAndConnectionStatus1763900000000,
  ItemDispatch1764000000000,
  Webhooks1764100000000,
  ModelPrices1764200000000,
  AttemptsFillfactor1764300000000,
  DispatchCursor1764400000000,
  ItemsBatchTenantKey1764500000000,
  TokenClassPrices1764600000000,
  ItemLeases1764700000000,
];
