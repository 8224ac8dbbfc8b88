import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AccountingModule } from '@conduit/accounting';
import { AppConfig } from '@conduit/config';
import { redisOptionsFromUrl } from '@conduit/redis';
import { RoutingModule } from '@conduit/routing';
import { TenancyModule } from '@conduit/tenancy';
import { BatchProgress } from './batch-progress';
import { BatchesService } from './batches.service';
import { DEFAULT_JOB_OPTIONS, ITEMS_QUEUE } from './job-catalogue';
import { ItemQueue } from './item-queue';
import { RunItemUseCase } from './run-item.usecase';
import { ItemFeeder } from './scheduling/item-feeder';
import { Reconciler } from './scheduling/reconciler';

/** Batch and item lifecycle, and the queue contract shared by the API and the worker. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: redisOptionsFromUrl(config.queue.redisUrl),
        prefix: config.queue.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue({ name: ITEMS_QUEUE }),
    AccountingModule,
    RoutingModule,
    TenancyModule,
  ],
  providers: [ItemQueue, BatchProgress, BatchesService, RunItemUseCase, ItemFeeder, Reconciler],
  exports: [BullModule, BatchesService, RunItemUseCase, ItemFeeder, Reconciler],
})
export class JobsModule {}
