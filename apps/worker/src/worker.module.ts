import { Module } from '@nestjs/common';
import { ConfigModule } from '@conduit/config';
import { DbModule } from '@conduit/db';
import { RedisModule } from '@conduit/redis';
import { JobsModule, SchedulerService } from '@conduit/jobs';
import { LoggingModule } from '@conduit/observability';
import { ItemsProcessor } from './items.processor';

@Module({
  imports: [ConfigModule.forRoot(), LoggingModule, DbModule, RedisModule, JobsModule],
  providers: [ItemsProcessor, SchedulerService],
})
export class WorkerModule {}
