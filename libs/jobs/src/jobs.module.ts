import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AccountingModule } from '@conduit/accounting';
import { AppConfig } from '@conduit/config';
import { EgressModule } from '@conduit/egress';
import { redisOptionsFromUrl } from '@conduit/redis';
import { RoutingModule } from '@conduit/routing';
import { TenancyModule } from '@conduit/tenancy';
import { VaultModule } from '@conduit/vault';
import { BatchProgress } from './batch-progress';
import { BatchesService } from './batches.service';
import { DEFAULT_JOB_OPTIONS, ITEMS_QUEUE, WEBHOOKS_QUEUE } from './job-catalogue';
import { ItemQueue } from './item-queue';
import { ItemLeases } from './item-leases';
import { ItemRuns } from './item-runs';
import { QueueShutdown } from './queue-shutdown';
import { RunItemUseCase } from './run-item.usecase';
import { ItemFeeder } from './scheduling/item-feeder';
import { Reconciler } from './scheduling/reconciler';
import { DeliverWebhookUseCase } from './webhooks/deliver-webhook.usecase';
import { WebhookDeliveries } from './webhooks/webhook-deliveries.service';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookSecrets } from './webhooks/webhook-secrets.service';
import { WorkerStopping } from './worker-stopping';

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
    BullModule.registerQueue({ name: WEBHOOKS_QUEUE }),
    AccountingModule,
    RoutingModule,
    TenancyModule,
    EgressModule,
    VaultModule,
  ],
  providers: [
    ItemQueue,
    BatchProgress,
    BatchesService,
    ItemRuns,
    ItemLeases,
    WorkerStopping,
    QueueShutdown,
    RunItemUseCase,
    ItemFeeder,
    Reconciler,
    WebhookDispatcher,
    WebhookSecrets,
    WebhookDeliveries,
    DeliverWebhookUseCase,
  ],
  exports: [
    BullModule,
    BatchesService,
    RunItemUseCase,
    WorkerStopping,
    ItemFeeder,
    Reconciler,
    WebhookSecrets,
    WebhookDeliveries,
    DeliverWebhookUseCase,
    WebhookDispatcher,
  ],
})
export class JobsModule {}
