import { Global, Module } from '@nestjs/common';
import { Metrics, metrics } from './metrics';

/** Makes the process's one `Metrics` instance injectable everywhere. */
@Global()
@Module({ providers: [{ provide: Metrics, useValue: metrics }], exports: [Metrics] })
export class MetricsModule {}
