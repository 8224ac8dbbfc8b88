export * from './completion';
export * from './provider-error';
export * from './mock';
export { ProvidersModule } from './providers.module';
export { ProviderRegistry } from './provider-registry';
export { ConnectionsService, type CreateConnectionInput } from './connections.service';
