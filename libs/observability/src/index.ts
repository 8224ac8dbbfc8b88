export { LoggingModule } from './logging.module';
export { Metrics, type CallTokens, type GaugeSource } from './metrics';
export { MetricsModule } from './metrics.module';
export { operatorBasicAuth } from './operator-basic-auth';
