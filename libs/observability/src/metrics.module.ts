import { Global, Module } from '@nestjs/common';
import { Metrics } from './metrics';

/** The app's one `Metrics` (its own registry), injectable everywhere. */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
