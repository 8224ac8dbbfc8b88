export * from './entities';
export { DbModule } from './db.module';
export { isUniqueViolation } from './postgres-errors';
export { TenantScope } from './tenant-scope';
export * from './repositories';
export { retryOnConnectionLoss } from './connection-loss';
