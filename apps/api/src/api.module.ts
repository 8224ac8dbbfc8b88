import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AccountingModule } from '@conduit/accounting';
import { ConfigModule } from '@conduit/config';
import { DbModule } from '@conduit/db';
import { RedisModule } from '@conduit/redis';
import { JobsModule } from '@conduit/jobs';
import { LoggingModule, MetricsModule } from '@conduit/observability';
import { ProvidersModule } from '@conduit/providers';
import { RoutingModule } from '@conduit/routing';
import { TenancyModule } from '@conduit/tenancy';
import { AdminConnectionPricesController } from './admin/admin-connection-prices.controller';
import { AdminConnectionsController } from './admin/admin-connections.controller';
import { AdminTenantsController } from './admin/admin-tenants.controller';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { AuditEventsController } from './audit/audit-events.controller';
import { BatchesController } from './batches/batches.controller';
import { ConnectionsController } from './connections/connections.controller';
import { DemoSeeder } from './demo-seeder';
import { HealthController } from './health/health.controller';
import { AcceptableInputInterceptor } from './http/acceptable-input.interceptor';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { ApiRateLimiter } from './http/api-rate-limiter';
import { ZodPipe } from './http/zod.pipe';
import { MeController } from './me/me.controller';
import { MetricsController } from './operations/metrics.controller';
import { RoutingController } from './routing/routing.controller';
import { WebhookDeliveriesController, WebhookSecretController } from './webhooks/webhooks.controller';
import { ConnectionPricesController } from './usage/connection-prices.controller';
import { UsageController } from './usage/usage.controller';

@Module({
  imports: [
    ConfigModule.forRoot(),
    LoggingModule,
    MetricsModule,
    DbModule,
    RedisModule,
    TenancyModule,
    ProvidersModule,
    RoutingModule,
    JobsModule,
    AccountingModule,
  ],
  controllers: [
    HealthController,
    MetricsController,
    AdminTenantsController,
    AdminConnectionsController,
    AdminConnectionPricesController,
    MeController,
    ApiKeysController,
    AuditEventsController,
    ConnectionsController,
    RoutingController,
    BatchesController,
    WebhookSecretController,
    WebhookDeliveriesController,
    UsageController,
    ConnectionPricesController,
  ],
  providers: [
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    { provide: APP_INTERCEPTOR, useClass: AcceptableInputInterceptor },
    { provide: APP_PIPE, useValue: new ZodPipe() },
    DemoSeeder,
    ApiRateLimiter,
  ],
})
export class ApiModule {}
