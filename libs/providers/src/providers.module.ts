import { Module } from '@nestjs/common';
import { EgressClient, EgressModule } from '@conduit/egress';
import { TenancyModule } from '@conduit/tenancy';
import { VaultModule } from '@conduit/vault';
import { ALL_ADAPTERS, HTTP_TRANSPORT } from './adapters';
import type { ProviderAdapter } from './completion';
import { ConnectionResolver } from './connection-resolver';
import { ConnectionSecrets } from './connection-secrets';
import { ConnectionTester } from './connection-tester';
import { ConnectionsService } from './connections.service';
import { EndpointPolicy } from './endpoint-policy';
import { MockAdapter } from './mock';
import { PROVIDER_ADAPTERS, ProviderRegistry } from './provider-registry';
import { SecretRotation } from './secret-rotation';

const adapterClasses = [MockAdapter, ...ALL_ADAPTERS];

@Module({
  imports: [EgressModule, VaultModule, TenancyModule],
  providers: [
    // Adapters reach providers only through the egress client.
    { provide: HTTP_TRANSPORT, useExisting: EgressClient },
    ...adapterClasses,
    {
      provide: PROVIDER_ADAPTERS,
      inject: adapterClasses,
      useFactory: (...adapters: ProviderAdapter[]) => adapters,
    },
    ProviderRegistry,
    ConnectionSecrets,
    EndpointPolicy,
    ConnectionsService,
    ConnectionResolver,
    ConnectionTester,
    SecretRotation,
  ],
  exports: [
    ProviderRegistry,
    ConnectionsService,
    ConnectionResolver,
    ConnectionTester,
    ConnectionSecrets,
    SecretRotation,
  ],
})
export class ProvidersModule {}
