export { AppConfig, ConfigError } from './app-config';
export { ConfigModule } from './config.module';
export type { NodeEnv } from './env-schema';
