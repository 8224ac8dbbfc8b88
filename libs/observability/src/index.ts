export { LoggingModule } from './logging.module';
export { Metrics } from './metrics';
export { MetricsModule } from './metrics.module';
export { operatorBasicAuth } from './operator-basic-auth';
export { RepeatedErrorLog } from './repeated-error-log';
