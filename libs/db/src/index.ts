export * from './entities';
export { DbModule } from './db.module';
export { dataSourceOptions } from './data-source-options';
export { ensureDatabase, runMigrations } from './migrate';
export { isUniqueViolation } from './postgres-errors';
export { TenantScope } from './tenant-scope';
export * from './repositories';
export { retryOnConnectionLoss } from './connection-loss';
