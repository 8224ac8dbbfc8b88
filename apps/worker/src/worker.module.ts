import { Module } from '@nestjs/common';
import { ConfigModule } from '@conduit/config';
import { DbModule } from '@conduit/db';
import { RedisModule } from '@conduit/redis';
import { JobsModule, SchedulerService } from '@conduit/jobs';
import { LoggingModule, MetricsModule } from '@conduit/observability';
import { ItemsProcessor } from './items.processor';
import { WebhooksProcessor } from './webhooks.processor';
import { WorkerMetricsServer } from './worker-metrics-server';

@Module({
  imports: [ConfigModule.forRoot(), LoggingModule, MetricsModule, DbModule, RedisModule, JobsModule],
  providers: [ItemsProcessor, WebhooksProcessor, SchedulerService, WorkerMetricsServer],
})
export class WorkerModule {}
