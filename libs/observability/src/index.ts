export { LoggingModule } from './logging.module';
export { basicAuthMatches, Metrics, metrics, type CallTokens, type GaugeSource } from './metrics';
export { MetricsModule } from './metrics.module';
export { RepeatedErrorLog } from './repeated-error-log';
