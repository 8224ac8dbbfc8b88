export { AppConfig, ConfigError } from './app-config';
export { ConfigModule } from './config.module';
export type { NodeEnv, PlanRules } from './env-schema';
export { generateSecrets } from './generated-secrets';
