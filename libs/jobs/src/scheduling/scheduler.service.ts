import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { AppConfig } from '@conduit/config';
import { defineLuaScript, REDIS, RedisKeys, type LuaScript } from '@conduit/redis';
import type IORedis from 'ioredis';
import { IntervalLoop } from './interval-loop';
import { ItemFeeder } from './item-feeder';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { Reconciler } from './reconciler';

/** The reconciler lock outlives a crashed holder by at most this long. */
const RECONCILER_LOCK_MS = 5 * 60_000;

/**
 * The worker's background loops: the feeder every `feederIntervalMs` and the reconciler every
 * `reconcilerIntervalMs`. Any number of workers may run them: feeder claims are serialized per
 * tenant in Postgres, and one reconciler at a time holds a Redis lock.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(SchedulerService.name);
  /** The Redis key whose holder is the one process reconciling now. */
  readonly reconcilerLock: string;
  private readonly feeder: IntervalLoop;
  private readonly reconciler: IntervalLoop;
  private readonly releaseLock: LuaScript;

  constructor(
    feeder: ItemFeeder,
    reconciler: Reconciler,
    webhooks: WebhookDispatcher,
    config: AppConfig,
    @Inject(REDIS) private readonly redis: IORedis,
    keys: RedisKeys,
  ) {
    const { feederIntervalMs, reconcilerIntervalMs } = config.scheduling;
    this.reconcilerLock = keys.key('lock', 'reconciler');
    this.releaseLock = defineLuaScript(redis, 'lock-release', 1);
    this.feeder = new IntervalLoop(
      'feeder',
      feederIntervalMs,
      () => feeder.feedAll().then(() => undefined),
      this.logger,
    );
    this.reconciler = new IntervalLoop(
      'reconciler',
      reconcilerIntervalMs,
      () =>
        this.exclusively(this.reconcilerLock, async () => {
          await reconciler.reconcile();
          await webhooks.requeueStranded(config.scheduling.reconcilerGraceMs);
        }),
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.feeder.start(0);
    // Soon after start too: a worker that starts after a crash or a Redis loss repairs at once.
    this.reconciler.start(1_000);
  }

  /** Stops before the database and Redis connections close (their modules close them on shutdown). */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.feeder.stop(), this.reconciler.stop()]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.onModuleDestroy();
  }

  /** Runs `work` only if no other process is running it now (Redis `SET NX PX`, released by token). */
  private async exclusively(key: string, work: () => Promise<unknown>): Promise<void> {
    const token = randomUUID();
    if ((await this.redis.set(key, token, 'PX', RECONCILER_LOCK_MS, 'NX')) !== 'OK') return;
    try {
      await work();
    } finally {
      await this.releaseLock(key, token);
    }
  }
}
