import { Module } from '@nestjs/common';
import { AccountingModule } from '@conduit/accounting';
import { ProvidersModule } from '@conduit/providers';
import { TenancyModule } from '@conduit/tenancy';
import { RouteExecutor } from './route-executor';
import { RoutingPoliciesService } from './routing-policies.service';

@Module({
  imports: [ProvidersModule, AccountingModule, TenancyModule],
  providers: [RoutingPoliciesService, RouteExecutor],
  exports: [RoutingPoliciesService, RouteExecutor],
})
export class RoutingModule {}
