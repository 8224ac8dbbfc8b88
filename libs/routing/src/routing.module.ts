import { Module } from '@nestjs/common';
import { AccountingModule } from '@conduit/accounting';
import { ProvidersModule } from '@conduit/providers';
import { RedisModule } from '@conduit/redis';
import { TenancyModule } from '@conduit/tenancy';
import { CircuitBreaker } from './breaker/circuit-breaker';
import { CallSlots } from './limits/call-slots';
import { ProviderLimiter } from './limits/provider-limiter';
import { RouteExecutor } from './route-executor';
import { RoutingDryRun } from './routing-dry-run';
import { RoutingPoliciesService } from './routing-policies.service';
import { TargetRunner } from './target-runner';

@Module({
  imports: [ProvidersModule, AccountingModule, TenancyModule, RedisModule],
  providers: [
    RoutingPoliciesService,
    RouteExecutor,
    TargetRunner,
    CallSlots,
    CircuitBreaker,
    ProviderLimiter,
    RoutingDryRun,
  ],
  exports: [RoutingPoliciesService, RouteExecutor, CircuitBreaker, ProviderLimiter, RoutingDryRun],
})
export class RoutingModule {}
