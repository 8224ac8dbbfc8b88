export * from './completion';
export * from './provider-error';
export * from './mock';
export { ProvidersModule } from './providers.module';
export { ProviderRegistry } from './provider-registry';
export {
  ConnectionsService,
  ownedBy,
  type ConnectionOwner,
  type CreateConnectionInput,
  type UpdateConnectionInput,
} from './connections.service';
export {
  ConnectionResolver,
  type CallableConnection,
  type ConnectionsRead,
  type InspectedConnection,
} from './connection-resolver';
export { ConnectionTester, type ConnectionTestOutcome } from './connection-tester';
export { ConnectionSecrets } from './connection-secrets';
export { SecretRotation, type RotationReport } from './secret-rotation';
export { ALL_ADAPTERS, HTTP_TRANSPORT, type HttpTransport } from './adapters';
